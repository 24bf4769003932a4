#!/usr/bin/env bash
# Start-up cost of billctl against a hello world that links the same five
# libraries (cobra, viper, tablewriter, resty, yaml.v3). The budget:
# `billctl --version` within 1.3x of the hello world's median time (the dry
# run within 1.5x), under 20 MiB peak RSS, and under 2 ms of package
# initialisation. The inittrace part lists what each package costs at
# start, gojq and SQLite among them (billctl links them; the hello world
# does not).
#
#   bench/startup.sh            200 runs of each, interleaved
#   N=500 bench/startup.sh      more runs
#   BILLCTL_BIN=PATH            time that billctl instead of building one
#
# It prints figures and a verdict; it never fails on them (timings depend on
# the machine), only when something does not build or run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

N=${N:-200}
INITTRACE_RUNS=${INITTRACE_RUNS:-50}
FILE=${FILE:-testdata/requests/meteroid/all-session-options.yaml}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Both built as releases are (.goreleaser.yaml): no cgo (a static binary,
# no dynamic loader at start), -trimpath, no symbol table or DWARF, so the
# figures are those of the binary users run.
export CGO_ENABLED=0
release=(-trimpath -ldflags "-s -w")
if [[ -n "${BILLCTL_BIN:-}" ]]; then
	cp "$BILLCTL_BIN" "$WORK/billctl"
else
	go build "${release[@]}" -o "$WORK/billctl" ./cmd/billctl
fi
go build "${release[@]}" -o "$WORK/hello" ./bench/startup/hello
go build -o "$WORK/measure" ./bench/startup/measure

# No config file and no BILLCTL_* settings: the dry run reads only FILE.
mkdir -p "$WORK/home"
export HOME="$WORK/home"
unset XDG_CONFIG_HOME BILLCTL_CONFIG BILLCTL_PROFILE BILLCTL_PROVIDER BILLCTL_BASE_URL \
	BILLCTL_COMPANY BILLCTL_TOKEN BILLCTL_OUTPUT BILLCTL_DEBUG GODEBUG

echo "go: $(go version); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binaries: hello $(du -k "$WORK/hello" | cut -f1) KiB, billctl $(du -k "$WORK/billctl" | cut -f1) KiB"
echo "file: $FILE"
echo

"$WORK/measure" -n "$N" -inittrace "$INITTRACE_RUNS" \
	"hello=$WORK/hello" \
	"version=$WORK/billctl --version" \
	"dry-run=$WORK/billctl checkout create --provider meteroid --dry-run -f $FILE" |
	tee "$WORK/report"

# The verdict, from the report's own figures.
echo
awk '
	/^ *command +mean ms/ { table = 1; next }
	table && NF == 0 { table = 0 }
	table && $1 != "hello" { ratio[$1] = $4; rss[$1] = $5 }
	/^ *command +init ms/ { inits = 1; next }
	inits && NF == 0 { inits = 0 }
	inits { init[$1] = $2 }
	function verdict(c, budget) {
		printf "%-8s time %.2fx hello (budget %.1fx): %s;  peak RSS %.1f MiB (budget 20): %s\n",
			c, ratio[c], budget, (ratio[c] <= budget ? "within" : "OVER"), rss[c], (rss[c] < 20 ? "within" : "OVER")
	}
	END {
		verdict("version", 1.3)
		verdict("dry-run", 1.5)
		printf "init     billctl %.3f ms in all (budget 2 ms): %s; the hello world %.3f ms, so %.3f ms is billctl'"'"'s own\n",
			init["version"], (init["version"] < 2 ? "within" : "OVER"), init["hello"], init["version"] - init["hello"]
	}' "$WORK/report"
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
