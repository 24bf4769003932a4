package completion

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// cacheWriterEnv makes the test binary, run again by
// TestCacheManyProcesses, act as one shell completing: it writes to the
// cache directory named there and exits.
const cacheWriterEnv = "BILLCTL_TEST_CACHE_WRITER"

func TestMain(m *testing.M) {
	if v := os.Getenv(cacheWriterEnv); v != "" {
		os.Exit(cacheWriter(v))
	}
	os.Exit(m.Run())
}

const (
	writers = 50 // processes
	rounds  = 10 // writes of the shared entry by each
)

// writerItems is what writer i keeps: i+1 items, so that writers' files
// differ in length and a file written over by two at once would not read
// as either's.
func writerItems(i int) []Item {
	items := make([]Item, i+1)
	for j := range items {
		items[j] = Item{ID: fmt.Sprintf("cus_%02d_%02d", i, j), Description: strings.Repeat("x", 40*i)}
	}
	return items
}

// cacheWriter is one process: it keeps its own entry, then writes the
// shared entry over and over, reading it back each time. Any read that
// finds a file it cannot decode fails the process.
func cacheWriter(v string) int {
	dir, n, _ := strings.Cut(v, "|")
	i, err := strconv.Atoi(n)
	if err != nil {
		return 3
	}
	own := cache{dir: dir, key: fmt.Sprintf("own%02d", i), now: time.Now}
	shared := cache{dir: dir, key: "shared", now: time.Now}
	own.put(Customers, writerItems(i))
	for r := 0; r < rounds; r++ {
		shared.put(Customers, writerItems(i))
		if _, err := os.Stat(shared.path(Customers)); err == nil {
			if _, ok := shared.read(Customers); !ok {
				fmt.Fprintln(os.Stderr, "read a torn cache file")
				return 1
			}
		}
	}
	return 0
}

// Fifty shells completing at once, each a process writing the same cache:
// every entry is kept, whole, and no temporary file is left behind.
func TestCacheManyProcesses(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, writers)
	out := make([][]byte, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", cacheWriterEnv, dir, i))
			out[i], errs[i] = cmd.CombinedOutput()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v: %s", i, err, out[i])
		}
	}

	for i := 0; i < writers; i++ {
		c := cache{dir: dir, key: fmt.Sprintf("own%02d", i), now: time.Now}
		items, ok := c.get(Customers)
		if !ok || !sameItems(items, writerItems(i)) {
			t.Errorf("writer %d's entry is lost or changed: %d items, ok %v", i, len(items), ok)
		}
	}
	shared := cache{dir: dir, key: "shared", now: time.Now}
	items, ok := shared.get(Customers)
	if !ok || len(items) == 0 || len(items) > writers {
		t.Fatalf("the shared entry is unreadable: %d items, ok %v", len(items), ok)
	}
	if want := writerItems(len(items) - 1); !sameItems(items, want) {
		t.Errorf("the shared entry mixes writers: %v", items)
	}
	tmp, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != writers+1 {
		t.Errorf("%d cache files, want %d", len(files), writers+1)
	}
}

func sameItems(a, b []Item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
