// Command sandbox measures the sandbox as a server: 1,000 creates sent by
// `billctl checkout create -f … --parallel 16` to `billctl sandbox serve`
// (file database, no latency), and the same batch, in the same run, to
// Prism's mock server of the Meteroid spec; then the server's peak memory
// once it holds 100,000 sessions. It prints figures and asserts nothing.
//
//	bench/sandbox.sh                     (builds billctl, finds Prism)
//	go run ./bench/sandbox -bin BILLCTL -prism PRISM [-n 1000] [-big 100000]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/billctl/billctl/bench/internal/loadavg"
	"github.com/billctl/billctl/internal/provider/meteroid"
)

func main() {
	bin := flag.String("bin", "", "the billctl binary (required)")
	prism := flag.String("prism", "", "Prism's binary; empty skips the comparison")
	spec := flag.String("spec", "testdata/specs/meteroid-openapi.sdk.strict.json", "the spec Prism mocks")
	n := flag.Int("n", 1000, "documents of the speed run")
	parallel := flag.Int("parallel", 16, "--parallel of the speed run")
	runs := flag.Int("runs", 3, "speed runs against each server, taking turns (the median is reported)")
	big := flag.Int("big", 100000, "sessions the server holds for the memory figure (0 skips it)")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: sandbox -bin BILLCTL [-prism PRISM] [flags]")
		os.Exit(2)
	}
	if err := run(*bin, *prism, *spec, *n, *parallel, max(*runs, 1), *big); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox bench:", err)
		os.Exit(1)
	}
}

func run(bin, prism, spec string, n, parallel, runs, big int) error {
	dir, err := os.MkdirTemp("", "billctl-sandbox-bench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	batch := filepath.Join(dir, "batch.yaml")
	if err := writeBatch(batch, n); err != nil {
		return err
	}
	fmt.Printf("batch: %d Meteroid documents, billctl checkout create -f --parallel %d, %d runs each (median)\n", n, parallel, runs)

	// The sandbox, file database, no latency.
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	db := filepath.Join(dir, "sandbox.db")
	srv := exec.Command(bin, "sandbox", "serve", "--addr", addr, "--data", db)
	srv.Env = append(os.Environ(), "HOME="+dir)
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Process.Kill()
	if err := waitListening(addr, srv, 10*time.Second); err != nil {
		return err
	}
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_STATE_HOME=" + dir, "BILLCTL_SANDBOX=1", "BILLCTL_SANDBOX_ADDR=" + addr}

	var penv []string
	if prism != "" {
		paddr, err := freeAddr()
		if err != nil {
			return err
		}
		host, port, _ := net.SplitHostPort(paddr)
		pm := exec.Command(prism, "mock", "-h", host, "-p", port, spec)
		var plog bytes.Buffer
		pm.Stdout, pm.Stderr = &plog, &plog
		if err := pm.Start(); err != nil {
			return err
		}
		defer pm.Process.Kill()
		if err := waitListening(paddr, pm, 60*time.Second); err != nil {
			return fmt.Errorf("prism: %w\n%s", err, plog.String())
		}
		penv = []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_STATE_HOME=" + dir, "BILLCTL_PROVIDER=meteroid", "BILLCTL_BASE_URL=http://" + paddr, "BILLCTL_TOKEN=sk_bench"}
	}

	// The runs against the two servers take turns, each going first every
	// other time, so that whatever else the machine does weighs on both.
	var sbRates, pRates []float64
	for i := range runs {
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		var sb, pr float64
		for _, sandboxTurn := range order {
			switch {
			case sandboxTurn:
				before := count(addr)
				if sb, err = speed(bin, env, batch, n, parallel); err != nil {
					return fmt.Errorf("sandbox: %w", err)
				}
				if got := count(addr) - before; got != n {
					return fmt.Errorf("sandbox: the server created %d sessions, want %d", got, n)
				}
			case penv != nil:
				if pr, err = speed(bin, penv, batch, n, parallel); err != nil {
					return fmt.Errorf("prism: %w", err)
				}
			}
		}
		sbRates = append(sbRates, sb)
		line := fmt.Sprintf("run %d: sandbox serve %6.0f sessions/s", i+1, sb)
		if penv != nil {
			pRates = append(pRates, pr)
			line += fmt.Sprintf(", prism mock %5.0f sessions/s, %.1fx", pr, sb/pr)
		}
		fmt.Printf("%s (%s)\n", line, loadavg.String())
	}
	sbRate := median(sbRates)
	fmt.Printf("sandbox serve --data FILE, median: %.0f sessions/s (goal >= 3000/s: %s)\n", sbRate, verdict(sbRate >= 3000))
	if penv != nil {
		pRate := median(pRates)
		fmt.Printf("prism mock of %s, median: %.0f sessions/s\n", filepath.Base(spec), pRate)
		fmt.Printf("the sandbox does %.1fx Prism's rate, and keeps every session (goal >= 5x: %s) (%s)\n", sbRate/pRate, verdict(sbRate >= 5*pRate), loadavg.String())
	}

	if big > 0 {
		// Fill the same server up to big sessions, then read its peak RSS.
		have := max(count(addr), 0)
		if err := writeBatch(batch, big-have); err != nil {
			return err
		}
		start := time.Now()
		cmd := exec.Command(bin, "checkout", "create", "-f", batch, "--parallel", "64", "-o", "id")
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout = nil
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("filling to %d: %v\n%s", big, err, tail(stderr.String()))
		}
		hwm, rss := memory(srv.Process.Pid)
		fmt.Printf("memory (%s): sandbox serve holding %d sessions (filled in %s): peak RSS %.1f MiB, now %.1f MiB; database %.1f MiB\n",
			loadavg.String(), big, time.Since(start).Round(time.Second), hwm, rss, fileMiB(db)+fileMiB(db+"-wal"))
	}
	return nil
}

// speed runs the batch once and returns its rate, the whole command
// timed (start, check, send, print).
func speed(bin string, env []string, batch string, n, parallel int) (float64, error) {
	// A state directory of its own each time: the same batch again would
	// otherwise resume from the journal of the run before and send nothing.
	state, err := os.MkdirTemp("", "billctl-sandbox-bench-state-*")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(state)
	cmd := exec.Command(bin, "checkout", "create", "-f", batch, "--parallel", strconv.Itoa(parallel), "-o", "id")
	cmd.Env = append(append(os.Environ(), env...), "XDG_STATE_HOME="+state)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%v\n%s", err, tail(stderr.String()))
	}
	if got := strings.Count(out.String(), "\n"); got != n {
		return 0, fmt.Errorf("%d IDs printed, want %d", got, n)
	}
	return float64(n) / d.Seconds(), nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

// count is how many Meteroid sessions the sandbox at addr holds (its list
// is not paginated), -1 when it cannot tell.
func count(addr string) int {
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/checkout-sessions", nil)
	req.Header.Set("Authorization", "Bearer sk_bench")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	var list struct {
		Sessions []struct {
			ID string `json:"id"`
		} `json:"sessions"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&list) != nil {
		return -1
	}
	return len(list.Sessions)
}

func writeBatch(path string, n int) error {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "---\ncustomer_id: acme\nplan_version_id: %s\nmetadata: {row: \"%d\"}\n", meteroid.DemoPlanVersionPro, i+1)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(addr string, p *exec.Cmd, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		if p.ProcessState != nil {
			return fmt.Errorf("%s exited", p.Path)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("nothing listening on %s after %s", addr, limit)
}

// memory reads a process's peak and current resident size, in MiB.
func memory(pid int) (hwm, rss float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			hwm = kb / 1024
		case "VmRSS:":
			rss = kb / 1024
		}
	}
	return hwm, rss
}

func fileMiB(path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}
