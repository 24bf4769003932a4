#!/usr/bin/env bash
# The four figures of the performance goals, each beside its reference,
# in one go (about 2 minutes on a quiet 2-core machine), from one build:
#   1. 1,000 creates at --parallel 16 against `sandbox serve --data FILE`
#      and against `prism mock` of the strict Meteroid spec, taking turns
#      (goal: >= 3,000/s and >= 5x Prism);
#   2. 1,000 creates at --parallel 16 against a sandbox answering after
#      20 ms, taking turns with a bare Go client (goal: >= 97% of it);
#   3. `checkout list` of 10,000 and 100,000 sessions, -o id, table, json
#      taking turns (goal: every format <= 2x -o id, memory flat);
#   4. `billctl --version` against a hello world linking the same five
#      libraries (goal: <= 1.3x, < 20 MiB), with what each package costs
#      at initialisation.
# Each part prints the machine's load beside its figures. Every script
# also runs alone, with more options (see each one's header).
#
#   bench/all.sh
#   RUNS=5 bench/all.sh        more turns for the speed figures
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUNS=${RUNS:-3}
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
export BILLCTL_BIN="$out/billctl"
start=$(date +%s)
echo "== billctl $("$BILLCTL_BIN" --version | head -n 1); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== 1. sandbox serve vs prism mock"
bench/sandbox.sh -big 0 -runs "$RUNS"
echo
echo "== 2. batch against a 20 ms server vs a bare Go client"
BEFORE=none bench/batch.sh -big 0 -curl=false -runs "$((RUNS + 2))"
echo
echo "== 3. checkout list: table and json vs id"
bench/list.sh -n 10000,100000 -o id,table,json -runs "$RUNS"
echo
echo "== 4. start-up vs the hello world"
N=${N:-100} INITTRACE_RUNS=${INITTRACE_RUNS:-20} bench/startup.sh
echo
echo "== all done in $(($(date +%s) - start))s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
