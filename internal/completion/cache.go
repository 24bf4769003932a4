package completion

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TTL is how long an answer is reused. Sessions change state as customers
// pay, so they are kept for a shorter time than the catalogue.
func TTL(kind Kind) time.Duration {
	if kind == Sessions {
		return time.Minute
	}
	return 5 * time.Minute
}

// CacheDir is where answers are kept: $XDG_CACHE_HOME/billctl, else the
// system's user cache directory. It is "" when there is no such place.
func CacheDir(getenv func(string) string) string {
	// The XDG specification says relative values are to be ignored.
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "billctl")
	}
	if d, err := os.UserCacheDir(); err == nil && filepath.IsAbs(d) {
		return filepath.Join(d, "billctl")
	}
	return ""
}

// cache keeps one file per account and kind. The file name is a hash of
// the account, the token included, so that two accounts of one API never
// share answers; the token itself is never written.
type cache struct {
	dir, key string
	now      func() time.Time
}

type cached struct {
	FetchedAt time.Time `json:"fetched_at"`
	Items     []Item    `json:"items"`
}

func (s *Source) cache() cache {
	if s.CacheDir == "" {
		return cache{}
	}
	tok := sha256.Sum256([]byte(s.Token))
	sum := sha256.Sum256([]byte(strings.Join([]string{
		s.Profile, s.Provider, strings.TrimRight(s.BaseURL, "/"), s.Company, hex.EncodeToString(tok[:]),
	}, "\x00")))
	return cache{dir: s.CacheDir, key: hex.EncodeToString(sum[:12]), now: s.now}
}

func (c cache) path(kind Kind) string {
	return filepath.Join(c.dir, string(kind)+"-"+c.key+".json")
}

// get returns the items kept for kind while they are fresh.
func (c cache) get(kind Kind) ([]Item, bool) {
	if c.dir == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.path(kind))
	if err != nil {
		return nil, false
	}
	var v cached
	if json.Unmarshal(b, &v) != nil {
		return nil, false
	}
	age := c.now().Sub(v.FetchedAt)
	if age < 0 || age >= TTL(kind) {
		return nil, false
	}
	return v.Items, true
}

// put keeps items for kind, readable by the owner only (they name the
// user's customers). The file is written beside its place and renamed, so
// a TAB in another shell never reads half a file. Failures are ignored: the
// cache only saves time.
func (c cache) put(kind Kind, items []Item) {
	if c.dir == "" {
		return
	}
	b, err := json.Marshal(cached{FetchedAt: c.now().UTC(), Items: items})
	if err != nil {
		return
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(c.dir, "."+string(kind)+"-*.tmp")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if tmp.Chmod(0o600) != nil {
		tmp.Close()
		return
	}
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr != nil || cerr != nil {
		return
	}
	_ = os.Rename(tmp.Name(), c.path(kind))
}
