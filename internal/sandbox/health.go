package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The health endpoints: outside every API's paths, without auth, so a
// container's health check and `sandbox ping` need no token.
const (
	HealthPath = "/healthz"
	ReadyPath  = "/readyz"
)

// Service is what the health endpoints call the server, so a client can
// tell a billctl sandbox from whatever else answers at an address.
const Service = "billctl-sandbox"

// Health is the body of /healthz and /readyz.
type Health struct {
	Service string `json:"service"`
	// Status is "ok" (/healthz), "ready" or "unavailable" (/readyz).
	Status  string `json:"status"`
	Version string `json:"version"`
	// Database is the file the server serves, or "memory".
	Database string `json:"database"`
	// Schema is the database's schema version (/readyz).
	Schema int `json:"schema,omitempty"`
	// Error says why the server is not ready.
	Error string `json:"error,omitempty"`
}

// health answers /healthz (the process answers) and /readyz (its database
// is open and migrated, and it is not stopping): cheap enough to be asked
// every second.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	h := Health{Service: Service, Status: "ok", Version: s.opts.Version, Database: s.opts.Store.Where()}
	status := http.StatusOK
	if r.URL.Path == ReadyPath {
		h.Status = "ready"
		v, err := s.opts.Store.Ready(r.Context())
		h.Schema = v
		switch {
		case s.draining.Load():
			h.Status, h.Error, status = "unavailable", "stopping", http.StatusServiceUnavailable
		case err != nil:
			h.Status, h.Error, status = "unavailable", err.Error(), http.StatusServiceUnavailable
		}
	}
	b, _ := json.Marshal(h)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		w.Write(append(b, '\n'))
	}
}

// Where is the database as health and messages name it: its file, or
// "memory".
func (s *Store) Where() string {
	if s.path == "" {
		return "memory"
	}
	return s.path
}

// Ready reports the schema version, and an error unless the database
// answers within a second and its schema is this billctl's.
func (s *Store) Ready(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("database: %w", err)
	}
	if v != len(migrations) {
		return v, fmt.Errorf("database schema %d, want %d", v, len(migrations))
	}
	return v, nil
}

// Checkpoint copies the write-ahead log into the database file and empties
// it, so a stopped server leaves one self-contained file behind.
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.path == "" {
		return nil
	}
	var busy, logged, done int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &done); err != nil {
		return fmt.Errorf("sandbox: checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("sandbox: checkpoint: the database is busy (another process has it open)")
	}
	return nil
}
