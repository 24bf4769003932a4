package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Item is one record of the demo catalogue: a customer, a plan, an add-on…
// Data is the record exactly as the API shows it.
type Item struct {
	Kind  string // "customers", "plans", "plan_versions", "addons", "coupons", "pricings", …
	ID    string
	Alias string // "" when it has none
	Name  string
	Data  json.RawMessage
}

// Seed stores provider's catalogue unless it was stored before (first use),
// and remembers it for Reset.
func (s *Store) Seed(ctx context.Context, provider string, items []Item) error {
	s.mu.Lock()
	s.catalogs[provider] = items
	s.mu.Unlock()
	var seeded bool
	err := s.db.QueryRowContext(ctx, "SELECT 1 FROM meta WHERE key = ?", "seeded:"+provider).Scan(&seeded)
	if err == nil {
		return nil
	}
	return s.Update(ctx, func(tx *Tx) error {
		// Another process may have seeded it since the check above.
		var one int
		if err := tx.tx.QueryRowContext(ctx, "SELECT 1 FROM meta WHERE key = ?", "seeded:"+provider).Scan(&one); err == nil {
			return nil
		}
		return tx.seed(provider, items)
	})
}

// AddCatalog adds records to provider's catalogue (or replaces those with
// the same kind and ID), for tests whose fixtures name their own customers
// and plans. Reset forgets them.
func (s *Store) AddCatalog(ctx context.Context, provider string, items []Item) error {
	err := s.Update(ctx, func(tx *Tx) error {
		for i, it := range items {
			var alias any
			if it.Alias != "" {
				alias = it.Alias
			}
			if _, err := tx.Exec(`INSERT OR REPLACE INTO catalog (provider, kind, id, alias, name, sort, data) VALUES (?,?,?,?,?,(SELECT coalesce(max(sort), 0) + 1 + ? FROM catalog),?)`,
				provider, it.Kind, it.ID, alias, it.Name, i, []byte(it.Data)); err != nil {
				return fmt.Errorf("sandbox: adding to the catalogue: %w", err)
			}
		}
		return nil
	})
	s.mu.Lock()
	s.kinds = map[string]*catalogKind{}
	s.mu.Unlock()
	return err
}

func (tx *Tx) seed(provider string, items []Item) error {
	for i, it := range items {
		var alias any
		if it.Alias != "" {
			alias = it.Alias
		}
		if _, err := tx.Exec(`INSERT OR REPLACE INTO catalog (provider, kind, id, alias, name, sort, data) VALUES (?,?,?,?,?,?,?)`,
			provider, it.Kind, it.ID, alias, it.Name, i, []byte(it.Data)); err != nil {
			return fmt.Errorf("sandbox: seeding the catalogue: %w", err)
		}
	}
	_, err := tx.Exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')`, "seeded:"+provider)
	return err
}

// Catalog lists one kind of provider's catalogue, in seeding order.
func (s *Store) Catalog(ctx context.Context, provider, kind string) ([]Item, error) {
	return catalog(ctx, s.db, provider, kind)
}

func catalog(ctx context.Context, q queryer, provider, kind string) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, id, coalesce(alias, ''), name, data FROM catalog WHERE provider = ? AND kind = ? ORDER BY sort`, provider, kind)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		var data []byte
		if err := rows.Scan(&it.Kind, &it.ID, &it.Alias, &it.Name, &data); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		it.Data = data
		out = append(out, it)
	}
	return out, rows.Err()
}

// ErrNoItem: the catalogue holds no such record.
var ErrNoItem = errors.New("no such record")

// The catalogue only changes when it is seeded, the same records each
// time, so each process reads a kind once and keeps it: a create looks up
// two or three records, and SQLite's statement preparation would cost more
// than the insert.
type catalogKind struct {
	byID, byAlias map[string]*Item
}

func (s *Store) kind(ctx context.Context, q queryer, provider, kind string) (*catalogKind, error) {
	key := provider + "\x00" + kind
	s.mu.Lock()
	k := s.kinds[key]
	s.mu.Unlock()
	if k != nil {
		return k, nil
	}
	items, err := catalog(ctx, q, provider, kind)
	if err != nil {
		return nil, err
	}
	k = &catalogKind{byID: map[string]*Item{}, byAlias: map[string]*Item{}}
	for i := range items {
		it := &items[i]
		k.byID[it.ID] = it
		if it.Alias != "" {
			k.byAlias[it.Alias] = it
		}
	}
	if len(items) > 0 { // not seeded yet: do not remember the emptiness
		s.mu.Lock()
		s.kinds[key] = k
		s.mu.Unlock()
	}
	return k, nil
}

// CatalogItem finds one record by ID, or by alias when byAlias is set.
func (s *Store) CatalogItem(ctx context.Context, provider, kind, key string, byAlias bool) (*Item, error) {
	return s.catalogItem(ctx, s.db, provider, kind, key, byAlias)
}

// CatalogItem is Store.CatalogItem inside the transaction (an in-memory
// store has one connection, which the transaction holds).
func (tx *Tx) CatalogItem(provider, kind, key string, byAlias bool) (*Item, error) {
	return tx.store.catalogItem(tx.ctx, tx.tx, provider, kind, key, byAlias)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) catalogItem(ctx context.Context, q queryer, provider, kind, key string, byAlias bool) (*Item, error) {
	k, err := s.kind(ctx, q, provider, kind)
	if err != nil {
		return nil, err
	}
	m := k.byID
	if byAlias {
		m = k.byAlias
	}
	it, ok := m[key]
	if !ok {
		return nil, ErrNoItem
	}
	c := *it
	return &c, nil
}
