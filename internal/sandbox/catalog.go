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
	rows, err := s.db.QueryContext(ctx, `SELECT kind, id, coalesce(alias, ''), name, data FROM catalog WHERE provider = ? AND kind = ? ORDER BY sort`, provider, kind)
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

// CatalogItem finds one record by ID, or by alias when byAlias is set.
func (s *Store) CatalogItem(ctx context.Context, provider, kind, key string, byAlias bool) (*Item, error) {
	return catalogItem(ctx, s.db, provider, kind, key, byAlias)
}

// CatalogItem is Store.CatalogItem inside the transaction (an in-memory
// store has one connection, which the transaction holds).
func (tx *Tx) CatalogItem(provider, kind, key string, byAlias bool) (*Item, error) {
	return catalogItem(tx.ctx, tx.tx, provider, kind, key, byAlias)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func catalogItem(ctx context.Context, q querier, provider, kind, key string, byAlias bool) (*Item, error) {
	col := "id"
	if byAlias {
		col = "alias"
	}
	var it Item
	var data []byte
	err := q.QueryRowContext(ctx, `SELECT kind, id, coalesce(alias, ''), name, data FROM catalog WHERE provider = ? AND kind = ? AND `+col+` = ?`, provider, kind, key).
		Scan(&it.Kind, &it.ID, &it.Alias, &it.Name, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoItem
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	it.Data = data
	return &it, nil
}
