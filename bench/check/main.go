// Command check measures how long `billctl checkout create -f` takes to
// check a batch, and its peak memory, for the three forms a batch comes
// in: a YAML stream, a compact JSON array (one document per line) and a
// pretty-printed JSON array. The last document of each file holds a
// mistake, so billctl checks every document, sends nothing and exits 2:
// the figures are the checking alone.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/billctl/billctl/bench/internal/peakrss"
)

func main() {
	bin := flag.String("bin", "", "the billctl binary to measure")
	sizes := flag.String("n", "25000,50000,100000,200000", "batch sizes, comma-separated")
	forms := flag.String("forms", "yaml,json,pretty", "forms to measure, comma-separated")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: check -bin BILLCTL [-n SIZES] [-forms FORMS]")
		os.Exit(2)
	}
	if err := run(*bin, *sizes, *forms); err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(1)
	}
}

func run(bin, sizes, forms string) error {
	dir, err := os.MkdirTemp("", "billctl-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("%-7s %8s %10s %10s %12s\n", "form", "docs", "MiB", "seconds", "peak RSS MiB")
	for _, form := range strings.Split(forms, ",") {
		for _, s := range strings.Split(sizes, ",") {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("-n: %v", err)
			}
			path := filepath.Join(dir, fmt.Sprintf("%s-%d", form, n))
			if err := write(path, form, n); err != nil {
				return err
			}
			st, err := os.Stat(path)
			if err != nil {
				return err
			}
			took, rss, err := check(bin, dir, path, n)
			if err != nil {
				return fmt.Errorf("%s, %d documents: %v", form, n, err)
			}
			fmt.Printf("%-7s %8d %10.1f %10.2f %12.1f\n", form, n, float64(st.Size())/(1<<20), took.Seconds(), float64(rss)/1024)
			os.Remove(path)
		}
	}
	return nil
}

// doc is document i of a batch, a little varied like a real export; the
// last one (i == n) names a field that does not exist.
func doc(i, n int) map[string]any {
	d := map[string]any{
		"customer_id":         fmt.Sprintf("cus_bench_%d", i),
		"plan_version_id":     fmt.Sprintf("plv_%d", i%7),
		"trial_duration_days": 7 + i%21,
		"metadata":            map[string]any{"row": strconv.Itoa(i), "source": "bench"},
	}
	if i == n {
		d["trial_duraton_days"] = 1
	}
	return d
}

func write(path, form string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	switch form {
	case "yaml":
		for i := 1; i <= n; i++ {
			if i > 1 {
				io.WriteString(w, "---\n")
			}
			fmt.Fprintf(w, "customer_id: cus_bench_%d\nplan_version_id: plv_%d\ntrial_duration_days: %d\nmetadata:\n  row: \"%d\"\n  source: bench\n",
				i, i%7, 7+i%21, i)
			if i == n {
				io.WriteString(w, "trial_duraton_days: 1\n")
			}
		}
	case "json", "pretty":
		io.WriteString(w, "[\n")
		for i := 1; i <= n; i++ {
			var b []byte
			if form == "json" {
				b, err = json.Marshal(doc(i, n))
			} else {
				b, err = json.MarshalIndent(doc(i, n), "  ", "  ")
				b = append([]byte("  "), b...)
			}
			if err != nil {
				return err
			}
			w.Write(b)
			if i < n {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		io.WriteString(w, "]\n")
	default:
		return fmt.Errorf("unknown form %q (yaml, json, pretty)", form)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// check runs billctl on path and returns its wall time and peak RSS (KiB).
// It must exit 2 naming the mistake of document n: anything else means
// the documents were not all checked.
func check(bin, dir, path string, n int) (time.Duration, int64, error) {
	cmd := exec.Command(bin, "checkout", "create", "--provider", "meteroid", "--base-url", "http://127.0.0.1:1", "-f", path)
	cmd.Env = append(os.Environ(),
		"BILLCTL_TOKEN=sk_bench", "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "BILLCTL_CONFIG=", "BILLCTL_PROFILE=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		return 0, 0, fmt.Errorf("billctl: want exit 2, got %v\n%s", err, stderr.String())
	}
	if want := fmt.Sprintf("(document %d)", n); !strings.Contains(stderr.String(), want) {
		return 0, 0, fmt.Errorf("billctl did not report document %d:\n%s", n, stderr.String())
	}
	rss, _ := peakrss.KiB(cmd.ProcessState)
	return took, rss, nil
}
