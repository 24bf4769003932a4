// Command list measures `billctl checkout list` on long lists: a local
// server answers GET /api/v1/checkout-sessions with N sessions in one
// unpaginated answer, as the real server does, and the time and peak
// memory (max RSS) of the listing are printed for each N and format, with
// each format's time over the first format's (-o id) of the same runs.
// With -serve ADDR it only serves the lists, for diffing outputs by hand:
// BILLCTL_BASE_URL=http://ADDR/100000 billctl checkout list -o table.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/billctl/billctl/bench/internal/loadavg"
	"github.com/billctl/billctl/bench/internal/peakrss"
)

func main() {
	bin := flag.String("bin", "billctl", "the billctl binary")
	sizes := flag.String("n", "1000,10000,100000", "list lengths, comma-separated")
	formats := flag.String("o", "id,json,table", "output formats, comma-separated; the first is the reference the others are compared with")
	runs := flag.Int("runs", 3, "runs of each format at each length, taking turns (the median is reported)")
	only := flag.String("serve", "", "only serve the lists on this address until killed (to diff outputs)")
	flag.Parse()
	if *only != "" {
		log.Fatal(http.ListenAndServe(*only, http.HandlerFunc(serve)))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(serve)}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	home, err := os.MkdirTemp("", "billctl-bench-list")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)

	fs := strings.Split(*formats, ",")
	fmt.Printf("billctl checkout list -o FORMAT, output to a pipe; %d runs each, formats taking turns; median time, largest max RSS; %s\n", *runs, loadavg.String())
	fmt.Printf("%-9s %-6s %10s %9s %12s %14s\n", "SESSIONS", "FORMAT", "TIME", "/ -o "+fs[0], "MAX RSS", "ANSWER")
	for _, ns := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(ns)
		if err != nil {
			log.Fatal(err)
		}
		times := make([][]float64, len(fs))
		rss := make([]int64, len(fs))
		for r := range max(*runs, 1) {
			for k := range fs {
				// Each run starts with another format, so that none always
				// follows the same one.
				i := (k + r) % len(fs)
				took, kib := list(*bin, home, base, n, fs[i])
				times[i] = append(times[i], took.Seconds())
				rss[i] = max(rss[i], kib)
			}
		}
		ref := median(times[0])
		for i, format := range fs {
			t := median(times[i])
			fmt.Printf("%-9d %-6s %9.2fs %8.2fx %9.1f MiB %10.1f MiB\n", n, format, t, t/ref, float64(rss[i])/1024, float64(answerSize(n))/(1<<20))
		}
	}
	fmt.Printf("goal: every format within 2x of -o %s at 100000 sessions, max RSS flat as the list grows (%s)\n", fs[0], loadavg.String())
}

// list runs billctl checkout list once, its output counted and dropped.
func list(bin, home, base string, n int, format string) (time.Duration, int64) {
	cmd := exec.Command(bin, "checkout", "list", "-o", format)
	cmd.Env = []string{"HOME=" + home, "BILLCTL_TOKEN=sk_bench", "BILLCTL_PROVIDER=meteroid",
		"BILLCTL_BASE_URL=" + base + "/" + strconv.Itoa(n), "NO_COLOR=1", "BILLCTL_CONFIG=" + home + "/config.yaml"}
	var lines countWriter
	cmd.Stdout = &lines
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("%d sessions, -o %s: %v\n%s", n, format, err, stderr.String())
	}
	took := time.Since(start)
	kib, _ := peakrss.KiB(cmd.ProcessState)
	return took, kib
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// countWriter discards what it is given.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// serve answers /N/api/v1/checkout-sessions with N sessions, written as
// they are made, so the server itself holds none.
func serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	n, err := strconv.Atoi(parts[0])
	if err != nil || len(parts) < 2 || parts[1] != "api/v1/checkout-sessions" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	writeList(w, n)
}

func writeList(w io.Writer, n int) {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"sessions":[`)
	for i := range n {
		if i > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, `{"id":"che_%016d","customer_id":"cus_7n42DGM5Tflk9n8mt7Fhc7","plan_version_id":"plv_6L91OaVQf7Id906PmtXFyG",`+
			`"coupon_code":null,"billing_start_date":null,"billing_day_anchor":null,"net_terms":30,"trial_duration_days":null,`+
			`"status":"CREATED","checkout_type":"SELF_SERVE","created_at":"2026-05-01T12:00:00Z","expires_at":"2026-05-01T13:00:00Z",`+
			`"completed_at":null,"subscription_id":null,"checkout_url":"https://checkout.example.com/che_%016d","payment_methods_config":null}`, i, i)
	}
	bw.WriteString(`]}`)
	bw.Flush()
}

// answerSize is the length of the answer for n sessions.
func answerSize(n int) int64 {
	var c countWriter
	writeList(&c, n)
	return c.n
}
