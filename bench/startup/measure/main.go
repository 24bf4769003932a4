// Command measure times how long commands take to start and finish, and how
// much memory they peak at, running them in turn (round robin) so that
// whatever else the machine is doing weighs on each of them alike.
//
//	measure [-n 200] [-warmup 5] [-inittrace 50] NAME=COMMAND...
//
// COMMAND is split on spaces. The first command is the baseline that the
// others are compared with. With -inittrace N, each command is also run N
// times with GODEBUG=inittrace=1 and the clock time of its package
// initialisation is reported: the median of the totals, and the median per
// package for the most costly ones.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/billctl/billctl/bench/internal/peakrss"
)

type command struct {
	name string
	argv []string

	wall   []time.Duration
	maxRSS int64 // KiB, the largest of all runs

	initTotals []float64            // ms per run
	initPkgs   map[string][]float64 // ms per run, per package
}

func main() {
	n := flag.Int("n", 200, "timed runs of each command")
	warmup := flag.Int("warmup", 5, "untimed runs of each command first (page cache)")
	inittrace := flag.Int("inittrace", 0, "also run each command this many times with GODEBUG=inittrace=1")
	top := flag.Int("top", 8, "packages to list per command with -inittrace")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: measure [flags] NAME=COMMAND...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	var cmds []*command
	for _, arg := range flag.Args() {
		name, line, ok := strings.Cut(arg, "=")
		argv := strings.Fields(line)
		if !ok || name == "" || len(argv) == 0 {
			fmt.Fprintf(os.Stderr, "measure: %q: want NAME=COMMAND\n", arg)
			os.Exit(2)
		}
		cmds = append(cmds, &command{name: name, argv: argv, initPkgs: map[string][]float64{}})
	}

	for i := 0; i < *warmup; i++ {
		for _, c := range cmds {
			if _, _, err := run(c.argv, nil); err != nil {
				fail(c, err)
			}
		}
	}
	for i := 0; i < *n; i++ {
		for _, c := range cmds {
			d, rss, err := run(c.argv, nil)
			if err != nil {
				fail(c, err)
			}
			c.wall = append(c.wall, d)
			c.maxRSS = max(c.maxRSS, rss)
		}
	}
	for i := 0; i < *inittrace; i++ {
		for _, c := range cmds {
			var stderr bytes.Buffer
			if _, _, err := run(c.argv, &stderr); err != nil {
				fail(c, err)
			}
			total, pkgs := parseInittrace(&stderr)
			c.initTotals = append(c.initTotals, total)
			for p, ms := range pkgs {
				c.initPkgs[p] = append(c.initPkgs[p], ms)
			}
		}
	}
	report(os.Stdout, cmds, *n, *inittrace, *top)
}

func fail(c *command, err error) {
	fmt.Fprintf(os.Stderr, "measure: %s (%s): %v\n", c.name, strings.Join(c.argv, " "), err)
	os.Exit(1)
}

// run executes argv once with stdout discarded. With trace set, it runs
// with GODEBUG=inittrace=1 and collects stderr there.
func run(argv []string, trace io.Writer) (time.Duration, int64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if trace != nil {
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
		cmd.Stderr = io.MultiWriter(&stderr, trace)
	}
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%v\n%s", err, stderr.Bytes())
	}
	rss, _ := peakrss.KiB(cmd.ProcessState)
	return d, rss, nil
}

// "init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs"
var initLine = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock`)

func parseInittrace(r io.Reader) (float64, map[string]float64) {
	pkgs := map[string]float64{}
	var total float64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := initLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ms, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		// inittrace escapes dots in the last path element (gopkg.in/yaml%2ev3).
		name := strings.ReplaceAll(m[1], "%2e", ".")
		pkgs[name] += ms
		total += ms
	}
	return total, pkgs
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func report(w io.Writer, cmds []*command, n, inittrace, top int) {
	base := cmds[0]
	baseMedian := median(ms(base.wall))
	fmt.Fprintf(w, "%d runs each, interleaved; wall time from fork to exit, peak RSS of any run\n\n", n)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "command\tmean ms\tmedian ms\tmedian / "+base.name+"\tmax RSS MiB\t")
	for _, c := range cmds {
		m := ms(c.wall)
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.1f\t\n", c.name, mean(m), median(m), median(m)/baseMedian, float64(c.maxRSS)/1024)
	}
	tw.Flush()
	if inittrace == 0 {
		return
	}
	fmt.Fprintf(w, "\npackage initialisation (GODEBUG=inittrace=1), median of %d runs\n\n", inittrace)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "command\tinit ms\t")
	for _, c := range cmds {
		fmt.Fprintf(tw, "%s\t%.3f\t\n", c.name, median(c.initTotals))
	}
	tw.Flush()
	for i, c := range cmds {
		ps := byCost(c.initPkgs, nil)
		fmt.Fprintf(w, "\n%s: %d packages initialised; the most costly (median ms):\n", c.name, len(ps))
		for _, p := range ps[:min(top, len(ps))] {
			fmt.Fprintf(w, "  %8.3f  %s\n", p.ms, p.name)
		}
		if i == 0 {
			continue
		}
		// What the command initialises beyond the baseline is its own cost.
		extra := byCost(c.initPkgs, base.initPkgs)
		var sum float64
		for _, p := range extra {
			sum += p.ms
		}
		fmt.Fprintf(w, "%s: %d packages that %s does not initialise, %.3f ms in all; the most costly:\n", c.name, len(extra), base.name, sum)
		for _, p := range extra[:min(top, len(extra))] {
			fmt.Fprintf(w, "  %8.3f  %s\n", p.ms, p.name)
		}
	}
}

type pkgCost struct {
	name string
	ms   float64
}

// byCost lists the packages of pkgs that are not in except, most costly
// (by median) first.
func byCost(pkgs, except map[string][]float64) []pkgCost {
	var ps []pkgCost
	for name, xs := range pkgs {
		if _, ok := except[name]; !ok {
			ps = append(ps, pkgCost{name, median(xs)})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ms > ps[j].ms || ps[i].ms == ps[j].ms && ps[i].name < ps[j].name })
	return ps
}
