#!/bin/sh
# Crash test of resumable batches: kills billctl with SIGKILL at a random
# moment of a batch (20 runs per provider), and the server (5 runs per
# provider, restarted at once), against
# `billctl sandbox serve --fail-rate 0.1 --latency 5ms`, runs the same
# command again until it exits 0, and counts the server's sessions per
# document. Prints runs, duplicates, losses and unknown outcomes (all
# must be 0; the exit status is 1 otherwise).
#
# Defaults are the full figures (5,000 documents a batch); these variables
# make a shorter run, as CI does:
#   CRASH_DOCS (5000), CRASH_RUNS (20), CRASH_SERVER_RUNS (5)
# Extra arguments go to the program (see: go run ./bench/crash -h).
# BILLCTL_BIN=PATH measures that billctl instead of building one.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -n "${BILLCTL_BIN:-}" ]; then cp "$BILLCTL_BIN" "$out/billctl"; else
	CGO_ENABLED=0 go build -trimpath -o "$out/billctl" ./cmd/billctl
fi
CGO_ENABLED=0 go build -trimpath -o "$out/crash" ./bench/crash
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
status=0
"$out/crash" -bin "$out/billctl" \
	-docs "${CRASH_DOCS:-5000}" -runs "${CRASH_RUNS:-20}" -server-runs "${CRASH_SERVER_RUNS:-5}" "$@" || status=$?
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
