package sandbox

// migrations are the schema's versions, applied in order; the database's
// PRAGMA user_version says how many have run. A released step is never
// edited: a change is a new step at the end.
var migrations = []string{
	// 1: sessions of both APIs, Maple's idempotency keys, the demo
	// catalogue, and the outbox of webhook deliveries.
	`CREATE TABLE sessions (
		seq          INTEGER PRIMARY KEY AUTOINCREMENT,
		id           TEXT NOT NULL UNIQUE,
		provider     TEXT NOT NULL,
		company      TEXT NOT NULL DEFAULT '',
		customer_id  TEXT NOT NULL,
		status       TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		expires_at   INTEGER,
		completed_at INTEGER,
		subscription_id TEXT,
		request      BLOB NOT NULL
	);
	CREATE INDEX sessions_customer ON sessions(provider, customer_id, seq);
	CREATE TABLE idempotency_keys (
		scope      TEXT NOT NULL,
		key        TEXT NOT NULL,
		body_hash  BLOB NOT NULL,
		status     INTEGER NOT NULL,
		answer     BLOB NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (scope, key)
	);
	CREATE TABLE catalog (
		provider TEXT NOT NULL,
		kind     TEXT NOT NULL,
		id       TEXT NOT NULL,
		alias    TEXT,
		name     TEXT NOT NULL,
		sort     INTEGER NOT NULL,
		data     BLOB NOT NULL,
		PRIMARY KEY (provider, kind, id)
	);
	CREATE INDEX catalog_alias ON catalog(provider, kind, alias);
	CREATE TABLE deliveries (
		id           TEXT PRIMARY KEY,
		session_id   TEXT NOT NULL,
		event_type   TEXT NOT NULL,
		url          TEXT NOT NULL,
		payload      BLOB NOT NULL,
		attempts     INTEGER NOT NULL DEFAULT 0,
		next_at      INTEGER NOT NULL,
		delivered_at INTEGER,
		last_status  INTEGER,
		last_error   TEXT,
		created_at   INTEGER NOT NULL
	);
	CREATE INDEX deliveries_due ON deliveries(delivered_at, next_at);
	CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
	// 2: the events paid sessions emitted, whoever paid them (a server, a
	// --sandbox command), and every attempt to deliver one, for `sandbox
	// listen` and `sandbox events`.
	`CREATE TABLE events (
		seq             INTEGER PRIMARY KEY AUTOINCREMENT,
		id              TEXT NOT NULL UNIQUE,
		provider        TEXT NOT NULL,
		type            TEXT NOT NULL,
		session_id      TEXT NOT NULL,
		subscription_id TEXT NOT NULL DEFAULT '',
		payload         BLOB NOT NULL,
		created_at      INTEGER NOT NULL
	);
	CREATE INDEX events_session ON events(session_id, seq);
	CREATE TABLE event_attempts (
		seq      INTEGER PRIMARY KEY AUTOINCREMENT,
		event_id TEXT NOT NULL,
		url      TEXT NOT NULL,
		at       INTEGER NOT NULL,
		status   INTEGER NOT NULL,
		error    TEXT NOT NULL,
		took_us  INTEGER NOT NULL
	);
	CREATE INDEX event_attempts_event ON event_attempts(event_id, seq);`,
}
