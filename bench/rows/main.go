// Command rows measures reading and checking a sheet of requests (--rows)
// against reading and checking the same requests as a YAML batch: wall
// time and peak memory (max RSS) of each, at two sizes, so that flat
// memory shows as the same figure for 10,000 and 100,000 rows.
//
//	go run ./bench/rows            (or bench/rows.sh)
//	go run ./bench/rows -n 500000
//
// Each figure comes from a child process that does one job, so that one
// job's memory does not count in the other's. With -bin, the same sheet and
// batch also go through `billctl checkout create` end to end, against a
// `billctl sandbox serve --memory` (bench/rows.sh passes it).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/billctl/billctl/bench/internal/peakrss"
	"github.com/billctl/billctl/internal/provider/meteroid"
	"github.com/billctl/billctl/internal/request"
	"github.com/billctl/billctl/internal/rows"
)

func main() {
	n := flag.Int("n", 100_000, "rows of the big sheet")
	mode := flag.String("mode", "", "internal: rows or yaml, to check one file in this process")
	file := flag.String("file", "", "internal: the file to check")
	bin := flag.String("bin", "", "a billctl binary: also create the sessions with it")
	parallel := flag.Int("parallel", 64, "--parallel of the end-to-end runs")
	flag.Parse()
	if *mode != "" {
		count, err := check(*mode, *file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(count)
		return
	}
	dir, err := os.MkdirTemp("", "bench-rows")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	fmt.Printf("%-8s %-5s %10s %10s %12s %10s\n", "rows", "as", "file MiB", "time", "rows/s", "max RSS")
	for _, size := range []int{*n / 10, *n} {
		csvPath, yamlPath := filepath.Join(dir, "sheet.csv"), filepath.Join(dir, "batch.yaml")
		if err := writeFiles(csvPath, yamlPath, size); err != nil {
			fail(err)
		}
		for _, job := range []struct{ mode, path string }{{"rows", csvPath}, {"yaml", yamlPath}} {
			st, _ := os.Stat(job.path)
			cmd := exec.Command(self, "-mode", job.mode, "-file", job.path)
			cmd.Stderr = os.Stderr
			start := time.Now()
			out, err := cmd.Output()
			took := time.Since(start)
			if err != nil {
				fail(fmt.Errorf("%s: %w", job.mode, err))
			}
			if got := strings.TrimSpace(string(out)); got != fmt.Sprint(size) {
				fail(fmt.Errorf("%s checked %s requests, want %d", job.mode, got, size))
			}
			rss, _ := peakrss.KiB(cmd.ProcessState)
			fmt.Printf("%-8d %-5s %10.1f %10s %12.0f %7.1f MiB\n", size, job.mode,
				float64(st.Size())/(1<<20), took.Round(time.Millisecond), float64(size)/took.Seconds(), float64(rss)/1024)
		}
	}
	if *bin != "" {
		if err := endToEnd(*bin, dir, *n, *parallel); err != nil {
			fail(err)
		}
	}
}

// endToEnd creates the sessions of the big sheet and of the same batch as
// YAML with billctl, against a sandbox of its own, and prints time and
// peak memory of each run.
func endToEnd(bin, dir string, n, parallel int) error {
	csvPath, yamlPath := filepath.Join(dir, "sheet.csv"), filepath.Join(dir, "batch.yaml")
	if err := writeFiles(csvPath, yamlPath, n); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	api := exec.Command(bin, "sandbox", "serve", "--memory", "--addr", addr)
	if err := api.Start(); err != nil {
		return err
	}
	defer func() { api.Process.Kill(); api.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("billctl sandbox serve did not listen on %s", addr)
		}
	}
	url := "http://" + addr
	fmt.Printf("\nbillctl checkout create, %d sessions, --parallel %d, billctl sandbox serve --memory:\n", n, parallel)
	fmt.Printf("%-34s %10s %12s %10s\n", "command", "time", "sessions/s", "max RSS")
	for _, run := range []struct {
		name string
		args []string
	}{
		{"--rows sheet.csv -o csv", []string{"--rows", csvPath, "-o", "csv"}},
		{"--rows sheet.csv -o id", []string{"--rows", csvPath, "-o", "id"}},
		{"-f batch.yaml -o id", []string{"-f", yamlPath, "-o", "id"}},
	} {
		args := append([]string{"checkout", "create", "--provider", "meteroid", "--base-url", url, "--parallel", fmt.Sprint(parallel)}, run.args...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "BILLCTL_TOKEN=sk_bench", "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "BILLCTL_CONFIG=", "BILLCTL_PROFILE=")
		res, err := os.Create(filepath.Join(dir, "out"))
		if err != nil {
			return err
		}
		cmd.Stdout = res
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		err = cmd.Run()
		took := time.Since(start)
		res.Close()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", run.name, err, stderr.String())
		}
		if !strings.Contains(stderr.String(), fmt.Sprintf("created %d of %d, 0 failed", n, n)) {
			return fmt.Errorf("%s: %s", run.name, stderr.String())
		}
		rss, _ := peakrss.KiB(cmd.ProcessState)
		fmt.Printf("%-34s %10s %12.0f %7.1f MiB\n", run.name, took.Round(time.Millisecond), float64(n)/took.Seconds(), float64(rss)/1024)
	}
	return nil
}

// The sandbox's demo customers, plan versions and add-ons, which the rows
// name in turn: it refuses others, as the real server does.
var (
	customers = []string{meteroid.DemoCustomerAcme, meteroid.DemoCustomerGlobex, meteroid.DemoCustomerInitech}
	versions  = []string{meteroid.DemoPlanVersionStarter, meteroid.DemoPlanVersionPro, meteroid.DemoPlanVersionProOld}
	addOns    = []string{meteroid.DemoAddOnSeats, meteroid.DemoAddOnSupport}
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/rows:", err)
	os.Exit(1)
}

// writeFiles writes the same n requests as a sheet (as a spreadsheet
// exports it: BOM, CRLF, quoted cells) and as a YAML batch.
func writeFiles(csvPath, yamlPath string, n int) error {
	cf, err := os.Create(csvPath)
	if err != nil {
		return err
	}
	defer cf.Close()
	yf, err := os.Create(yamlPath)
	if err != nil {
		return err
	}
	defer yf.Close()
	cw, yw := bufio.NewWriter(cf), bufio.NewWriter(yf)
	cw.WriteString("\ufeffcustomer_id,plan_version_id,invoice_threshold,net_terms,charge_automatically,metadata.crm_id,add_ons[0].add_on_id,add_ons[0].quantity,invoice_memo\r\n")
	for i := 1; i <= n; i++ {
		c, v, a := customers[i%len(customers)], versions[i%len(versions)], addOns[i%len(addOns)]
		fmt.Fprintf(cw, "%s,%s,%d.50,30,true,CRM-%07d,%s,%d,\"Thanks, \"\"friend\"\" %d\"\r\n", c, v, i%1000, i, a, i%5+1, i)
		if i > 1 {
			yw.WriteString("---\n")
		}
		fmt.Fprintf(yw, "customer_id: %s\nplan_version_id: %s\ninvoice_threshold: \"%d.50\"\nnet_terms: 30\ncharge_automatically: true\nmetadata:\n  crm_id: CRM-%07d\nadd_ons:\n  - add_on_id: %s\n    quantity: %d\ninvoice_memo: 'Thanks, \"friend\" %d'\n", c, v, i%1000, i, a, i%5+1, i)
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return yw.Flush()
}

// check reads and checks every request of one file as create does before
// sending: each is decoded against the wire type and turned into its JSON
// body. The bodies are dropped; only their count is printed.
func check(mode, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	count := 0
	one := func(d *request.Doc) error {
		var req meteroid.CreateCheckoutSessionRequest
		if err := request.Decode(d, &req); err != nil {
			return err
		}
		if _, err := request.Marshal(&req); err != nil {
			return err
		}
		count++
		return nil
	}
	if mode == "yaml" {
		_, err := request.Read(f, path, one)
		return count, err
	}
	wire := reflect.TypeOf(meteroid.CreateCheckoutSessionRequest{})
	s, err := rows.Open(f, path, rows.IsTSV(path), wire)
	if err != nil {
		return 0, err
	}
	base := request.NewDoc()
	for {
		row, err := s.Next()
		if errors.Is(err, io.EOF) {
			return count, nil
		}
		if err != nil {
			return count, err
		}
		d := base.Copy()
		if err := s.Apply(d, row); err != nil {
			return count, err
		}
		if err := one(d); err != nil {
			return count, fmt.Errorf("%s:%d: %w", s.Name, row.Index, err)
		}
	}
}
