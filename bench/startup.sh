#!/usr/bin/env bash
# Start-up cost of billctl against a hello world that links the same five
# libraries (cobra, viper, tablewriter, resty, yaml.v3). The budget:
# `billctl --version` and `billctl checkout create --dry-run -f FILE` within
# 1.5x of the hello world's median time, under 20 MiB peak RSS, and under
# 2 ms of package initialisation.
#
#   bench/startup.sh            200 runs of each, interleaved
#   N=500 bench/startup.sh      more runs
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
go build "${release[@]}" -o "$WORK/billctl" ./cmd/billctl
go build "${release[@]}" -o "$WORK/hello" ./bench/startup/hello
go build -o "$WORK/measure" ./bench/startup/measure

# No config file and no BILLCTL_* settings: the dry run reads only FILE.
mkdir -p "$WORK/home"
export HOME="$WORK/home"
unset XDG_CONFIG_HOME BILLCTL_CONFIG BILLCTL_PROFILE BILLCTL_PROVIDER BILLCTL_BASE_URL \
	BILLCTL_COMPANY BILLCTL_TOKEN BILLCTL_OUTPUT BILLCTL_DEBUG GODEBUG

echo "go: $(go version)"
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
	function verdict(c) {
		printf "%-8s time %.2fx hello (budget 1.5x): %s;  peak RSS %.1f MiB (budget 20): %s\n",
			c, ratio[c], (ratio[c] <= 1.5 ? "within" : "OVER"), rss[c], (rss[c] < 20 ? "within" : "OVER")
	}
	END {
		verdict("version")
		verdict("dry-run")
		printf "init     billctl %.3f ms in all (budget 2 ms): %s; the hello world %.3f ms, so %.3f ms is billctl'"'"'s own\n",
			init["version"], (init["version"] < 2 ? "within" : "OVER"), init["hello"], init["version"] - init["hello"]
	}' "$WORK/report"
