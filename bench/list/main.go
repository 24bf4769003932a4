// Command list measures `billctl checkout list` on long lists: a local
// server answers GET /api/v1/checkout-sessions with N sessions in one
// unpaginated answer, as the real server does, and the time and peak
// memory (max RSS) of the listing are printed for each N and format.
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
	"strconv"
	"strings"
	"time"

	"github.com/billctl/billctl/bench/internal/peakrss"
)

func main() {
	bin := flag.String("bin", "billctl", "the billctl binary")
	sizes := flag.String("n", "1000,10000,100000", "list lengths, comma-separated")
	formats := flag.String("o", "id,json,table", "output formats, comma-separated")
	flag.Parse()

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

	fmt.Printf("%-9s %-6s %10s %12s %14s\n", "SESSIONS", "FORMAT", "TIME", "MAX RSS", "ANSWER")
	for _, ns := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(ns)
		if err != nil {
			log.Fatal(err)
		}
		for _, format := range strings.Split(*formats, ",") {
			cmd := exec.Command(*bin, "checkout", "list", "-o", format)
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
			rss, _ := peakrss.KiB(cmd.ProcessState)
			fmt.Printf("%-9d %-6s %9.2fs %9.1f MiB %10.1f MiB\n", n, format, took.Seconds(), float64(rss)/1024, float64(answerSize(n))/(1<<20))
		}
	}
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
