// Command crash kills batches at random moments and checks that running
// the same command again finishes them with nothing created twice and
// nothing lost, on both providers.
//
// Each run starts `billctl sandbox serve --fail-rate F --latency L` on a
// database of its own and sends a batch of -docs documents, each with a
// mark of its own that the server keeps (net_terms on Meteroid, metadata
// on Maple). Then either billctl is killed with SIGKILL at a random moment
// (-runs per provider) or the server is (-server-runs per provider,
// restarted at once on the same database); the same command is run again
// until it exits 0. At the end the server's sessions are counted per
// document, and each line of the last run's output is checked to be the
// session of that document.
//
// It prints, per provider: runs, duplicates (sessions beyond one for a
// document), losses (documents without a session, or whose printed ID is
// not theirs) and unknown outcomes (documents a run reported as "may have
// been created"); all must be 0, and the exit status is 1 otherwise.
//
//	go build -o /tmp/billctl ./cmd/billctl
//	go run ./bench/crash -bin /tmp/billctl
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/billctl/billctl/internal/provider/maple"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/sandbox"
)

type config struct {
	bin              string
	docs, parallel   int
	runs, serverRuns int
	failRate         float64
	latency          time.Duration
	maxReruns        int
	keep             bool
	restartReruns    bool
	providers        []string
	rng              *rand.Rand
	est              time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "the billctl binary (required)")
	flag.IntVar(&c.docs, "docs", 5000, "documents per batch")
	flag.IntVar(&c.parallel, "parallel", 16, "--parallel of the batch")
	flag.IntVar(&c.runs, "runs", 20, "runs per provider that kill billctl")
	flag.IntVar(&c.serverRuns, "server-runs", 5, "runs per provider that kill the server")
	flag.Float64Var(&c.failRate, "fail-rate", 0.1, "the sandbox's --fail-rate")
	flag.DurationVar(&c.latency, "latency", 5*time.Millisecond, "the sandbox's --latency")
	flag.IntVar(&c.maxReruns, "max-reruns", 10, "reruns after a kill before a run counts as not finished")
	flag.BoolVar(&c.restartReruns, "restart-reruns", false, "reruns ignore the journal (--restart): shows that the count finds the duplicates that resuming prevents")
	flag.BoolVar(&c.keep, "keep", false, "keep the runs' directories (databases, journals, outputs)")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the random kill moments")
	provs := flag.String("providers", "meteroid,maple", "providers to run, comma-separated")
	flag.Parse()
	if c.bin == "" {
		fmt.Fprintln(os.Stderr, "usage: crash -bin PATH_TO_BILLCTL [flags]")
		os.Exit(2)
	}
	c.providers = strings.Split(*provs, ",")
	c.rng = rand.New(rand.NewPCG(*seed, 0))
	fmt.Printf("seed %d; %d documents, --parallel %d, sandbox --fail-rate %g --latency %s\n", *seed, c.docs, c.parallel, c.failRate, c.latency)
	bad := false
	for _, p := range c.providers {
		tot, err := c.provider(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "crash:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: runs %d (%d killing billctl, %d killing the server), duplicates %d, losses %d, unknown outcomes %d, unfinished %d\n",
			p, tot.runs, tot.billctlRuns, tot.serverRuns, tot.dups, tot.losses, tot.unknown, tot.unfinished)
		if tot.dups+tot.losses+tot.unknown+tot.unfinished > 0 {
			bad = true
		}
	}
	if bad {
		fmt.Println("FAIL: duplicates, losses, unknown outcomes or unfinished runs")
		os.Exit(1)
	}
	fmt.Println("ok: nothing created twice, nothing lost")
}

type totals struct {
	runs, billctlRuns, serverRuns     int
	dups, losses, unknown, unfinished int
}

func (c *config) provider(p string) (totals, error) {
	var t totals
	root, err := os.MkdirTemp("", "billctl-crash-*")
	if err != nil {
		return t, err
	}
	if c.keep {
		fmt.Println("runs kept in", root)
	} else {
		defer os.RemoveAll(root)
	}
	docs := filepath.Join(root, p+".yaml")
	if err := writeDocs(p, docs, c.docs); err != nil {
		return t, err
	}
	// A first run, not killed, times the batch: the kills fall anywhere
	// in that time.
	calib, err := c.run(p, filepath.Join(root, "calibrate"), docs, "none")
	if err != nil {
		return t, err
	}
	est := calib.firstRun
	fmt.Printf("%s: an uninterrupted batch takes %.1fs (duplicates %d, losses %d)\n", p, est.Seconds(), calib.dups, calib.losses)
	c.est = est
	for i := range c.runs + c.serverRuns {
		kill := "billctl"
		if i >= c.runs {
			kill = "server"
		}
		r, err := c.run(p, filepath.Join(root, fmt.Sprintf("run%02d", i+1)), docs, kill)
		if err != nil {
			return t, err
		}
		t.runs++
		if kill == "billctl" {
			t.billctlRuns++
		} else {
			t.serverRuns++
		}
		t.dups += r.dups
		t.losses += r.losses
		t.unknown += r.unknown
		if !r.finished {
			t.unfinished++
		}
		fmt.Printf("  %s run %d: killed %s after %.2fs (%s), %d rerun(s), %d sessions, duplicates %d, losses %d, unknown %d\n",
			p, i+1, kill, r.killedAfter.Seconds(), r.killNote, r.reruns, r.sessions, r.dups, r.losses, r.unknown)
	}
	return t, nil
}

type outcome struct {
	firstRun, killedAfter time.Duration
	killNote              string
	reruns, sessions      int
	dups, losses, unknown int
	finished              bool
}

// run is one batch: started, killed (billctl, the server, or nothing),
// run again until it exits 0, then counted.
func (c *config) run(p, dir, docs, kill string) (outcome, error) {
	var o outcome
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return o, err
	}
	data := filepath.Join(dir, "sandbox.db")
	srv, err := c.startServer(dir, data, "")
	if err != nil {
		return o, err
	}
	defer func() { srv.kill() }()
	env := append(cleanEnv(), "HOME="+dir, "XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "BILLCTL_TOKEN=sk_crash", "BILLCTL_BASE_URL="+srv.url)
	args := []string{"checkout", "create", "--provider", p, "-f", docs, "--parallel", fmt.Sprint(c.parallel), "-o", "id"}
	if p == maple.Name {
		args = append(args, "--company", maple.DemoCompany)
	}
	unknown := map[int]bool{}
	var lastOut string
	attempt := func(n int, during func(cmd *exec.Cmd)) (int, error) {
		args := args
		if n > 0 && c.restartReruns {
			args = append(args[:len(args):len(args)], "--restart")
		}
		out := filepath.Join(dir, fmt.Sprintf("out%d.txt", n))
		errf := filepath.Join(dir, fmt.Sprintf("err%d.txt", n))
		code, err := runBillctl(c.bin, args, env, out, errf, during)
		if err != nil {
			return 0, err
		}
		b, _ := os.ReadFile(errf)
		for _, d := range maybeCreated(string(b)) {
			unknown[d] = true
		}
		lastOut = out
		return code, nil
	}

	start := time.Now()
	code, err := attempt(0, func(cmd *exec.Cmd) {
		if kill == "none" {
			return
		}
		d := time.Duration(c.rng.Int64N(int64(c.est)))
		time.Sleep(d)
		o.killedAfter = time.Since(start)
		switch kill {
		case "billctl":
			if cmd.Process.Signal(syscall.SIGKILL) != nil {
				o.killNote = "it had already ended"
			} else {
				o.killNote = "SIGKILL"
			}
		case "server":
			srv.kill()
			next, err := c.startServer(dir, data, srv.addr)
			if err != nil {
				o.killNote = "restart failed: " + err.Error()
				return
			}
			srv = next
			o.killNote = fmt.Sprintf("SIGKILL, restarted in %.2fs", time.Since(start).Seconds()-o.killedAfter.Seconds())
		}
	})
	if err != nil {
		return o, err
	}
	o.firstRun = time.Since(start)
	for n := 1; code != 0 && n <= c.maxReruns; n++ {
		o.reruns++
		if code, err = attempt(n, nil); err != nil {
			return o, err
		}
	}
	o.finished = code == 0
	if kill == "none" && code != 0 {
		// The fault rate can make a document fail every retry; the
		// calibration counts anyway.
		o.finished = true
	}
	srv.stop()
	sessions, err := countSessions(data, p)
	if err != nil {
		return o, err
	}
	o.sessions = 0
	for _, ids := range sessions {
		o.sessions += len(ids)
	}
	printed, err := readLines(lastOut)
	if err != nil {
		return o, err
	}
	for d := 1; d <= c.docs; d++ {
		ids := sessions[d]
		switch {
		case len(ids) == 0:
			o.losses++
		case len(ids) > 1:
			o.dups += len(ids) - 1
		}
		if o.finished && code == 0 && (d > len(printed) || !contains(ids, printed[d-1])) {
			if len(ids) != 0 {
				o.losses++ // made, but another ID printed in its place
			}
		}
	}
	o.unknown = len(unknown)
	return o, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var maybeLine = regexp.MustCompile(`^document (\d+): .*(may have succeeded|may exist|may have been)`)

// maybeCreated lists the documents a run reported as perhaps created.
func maybeCreated(stderr string) []int {
	var out []int
	for _, l := range strings.Split(stderr, "\n") {
		if m := maybeLine.FindStringSubmatch(l); m != nil {
			var d int
			fmt.Sscan(m[1], &d)
			out = append(out, d)
		}
	}
	return out
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

// runBillctl runs billctl to its end; during, when set, runs meanwhile.
func runBillctl(bin string, args, env []string, out, errf string, during func(*exec.Cmd)) (int, error) {
	o, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer o.Close()
	e, err := os.Create(errf)
	if err != nil {
		return 0, err
	}
	defer e.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, o, e
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	if during != nil {
		done := make(chan struct{})
		go func() { during(cmd); close(done) }()
		err = cmd.Wait()
		<-done
	} else {
		err = cmd.Wait()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}

// cleanEnv is this process's environment without billctl's settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BILLCTL_") && !strings.HasPrefix(kv, "XDG_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return env
}

// server is `billctl sandbox serve` in a process of its own.
type server struct {
	cmd       *exec.Cmd
	addr, url string
	done      chan struct{}
}

func (c *config) startServer(dir, data, addr string) (*server, error) {
	if addr == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr = l.Addr().String()
		l.Close()
	}
	log, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.bin, "sandbox", "serve", "--data", data, "--addr", addr,
		"--fail-rate", fmt.Sprint(c.failRate), "--latency", c.latency.String())
	cmd.Env = append(cleanEnv(), "HOME="+dir, "XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr, url: "http://" + addr, done: make(chan struct{})}
	go func() { cmd.Wait(); log.Close(); close(s.done) }()
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("sandbox serve ended at start (see %s)", filepath.Join(dir, "server.log"))
		default:
		}
		// Any answer will do: the server is up.
		if res, err := client.Get(s.url + "/api/v1/checkout-sessions/che_0"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, errors.New("sandbox serve did not answer within 15s")
		}
	}
}

// kill ends the server with SIGKILL.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop ends the server as Ctrl-C would.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.kill()
	}
}

// countSessions reads the sessions of provider p from the sandbox's
// database: the IDs of each document's, by its mark.
func countSessions(data, p string) (map[int][]string, error) {
	st, err := sandbox.Open(data)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	list, err := st.Sessions(context.Background(), sandbox.Filter{Provider: p})
	if err != nil {
		return nil, err
	}
	out := map[int][]string{}
	for _, s := range list {
		d, ok := mark(p, s.Request)
		if !ok {
			return nil, fmt.Errorf("session %s has no document mark: %s", s.ID, s.Request)
		}
		out[d] = append(out[d], s.ID)
	}
	return out, nil
}

// The demo catalogue the documents name in turn.
var (
	meteroidCustomers = []string{meteroid.DemoCustomerAcme, meteroid.DemoCustomerGlobex, meteroid.DemoCustomerInitech}
	meteroidVersions  = []string{meteroid.DemoPlanVersionStarter, meteroid.DemoPlanVersionPro, meteroid.DemoPlanVersionProOld}
	mapleCustomers    = []string{maple.DemoCustomerAda, maple.DemoCustomerGrace}
	maplePricings     = []string{maple.DemoPricingPro, maple.DemoPricingTeam}
)

// writeDocs writes n documents; document d carries mark d (net_terms d
// on Meteroid, which reconcile compares; metadata.doc d on Maple).
func writeDocs(p, path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for d := 1; d <= n; d++ {
		if d > 1 {
			io.WriteString(w, "---\n")
		}
		if p == maple.Name {
			fmt.Fprintf(w, "customer_id: %s\nproduct_pricing_ids: [%s]\nmetadata:\n  doc: %d\n",
				mapleCustomers[d%len(mapleCustomers)], maplePricings[d%len(maplePricings)], d)
		} else {
			fmt.Fprintf(w, "customer_id: %s\nplan_version_id: %s\nnet_terms: %d\n",
				meteroidCustomers[d%len(meteroidCustomers)], meteroidVersions[(d/3)%len(meteroidVersions)], d)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func mark(p string, req json.RawMessage) (int, bool) {
	var body struct {
		NetTerms *int `json:"net_terms"`
		Metadata struct {
			Doc *int `json:"doc"`
		} `json:"metadata"`
	}
	if json.Unmarshal(req, &body) != nil {
		return 0, false
	}
	if p == maple.Name {
		if body.Metadata.Doc == nil {
			return 0, false
		}
		return *body.Metadata.Doc, true
	}
	if body.NetTerms == nil {
		return 0, false
	}
	return *body.NetTerms, true
}
