package completion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/billctl/billctl/internal/lockfile"
)

// TTL is how long an answer is reused. Sessions change state as customers
// pay, so they are kept for a shorter time than the catalogue.
func TTL(kind Kind) time.Duration {
	if kind == Sessions {
		return time.Minute
	}
	return 5 * time.Minute
}

// FailTTL is how long a lookup that timed out is not tried again: an API
// that hangs would otherwise cost the whole Timeout on every TAB (twice
// for bash's TAB TAB). Short, so that the API is asked again soon after it
// is back.
const FailTTL = 30 * time.Second

// ErrRecentFailure is returned, at once, while a lookup that timed out is
// remembered.
var ErrRecentFailure = errors.New("the last lookup timed out a moment ago")

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
	// TimedOut marks a lookup that timed out at FetchedAt (no items).
	TimedOut bool `json:"timed_out,omitempty"`
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

// read is what is kept for kind, if anything.
func (c cache) read(kind Kind) (cached, bool) {
	var v cached
	if c.dir == "" {
		return v, false
	}
	b, err := os.ReadFile(c.path(kind))
	if err != nil || json.Unmarshal(b, &v) != nil {
		return cached{}, false
	}
	return v, true
}

// get returns the items kept for kind while they are fresh.
func (c cache) get(kind Kind) ([]Item, bool) {
	v, ok := c.read(kind)
	if !ok || v.TimedOut {
		return nil, false
	}
	age := c.now().Sub(v.FetchedAt)
	if age < 0 || age >= TTL(kind) {
		return nil, false
	}
	return v.Items, true
}

// timedOut tells whether the last lookup of kind timed out less than
// FailTTL ago.
func (c cache) timedOut(kind Kind) bool {
	v, ok := c.read(kind)
	if !ok || !v.TimedOut {
		return false
	}
	age := c.now().Sub(v.FetchedAt)
	return age >= 0 && age < FailTTL
}

// isTimeout is a failure worth remembering: one that cost the wait. A
// refusal (401, a server that is down) comes back at once and is asked
// again, so that a fixed token or a started server is seen on the next TAB.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// fail remembers that a lookup of kind failed, when it timed out.
func (c cache) fail(kind Kind, err error) {
	if isTimeout(err) {
		c.write(kind, cached{FetchedAt: c.now().UTC(), TimedOut: true})
	}
}

// put keeps items for kind.
func (c cache) put(kind Kind, items []Item) {
	c.write(kind, cached{FetchedAt: c.now().UTC(), Items: items})
}

// write keeps v for kind, readable by the owner only (items name the
// user's customers). The file is written beside its place and renamed, so
// a TAB in another shell never reads half a file, under a lock (a file
// beside it) so that two shells completing at once write in turn.
// Failures are ignored: the cache only saves time.
func (c cache) write(kind Kind, v cached) {
	if c.dir == "" {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return
	}
	release, err := lockfile.Lock(c.path(kind))
	if err != nil {
		return
	}
	defer release()
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
