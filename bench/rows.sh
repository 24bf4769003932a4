#!/bin/sh
# Reading and checking a sheet of 100,000 requests (--rows) next to the same
# requests as a YAML batch: time and peak memory; then the same sessions
# created by billctl end to end against `billctl sandbox serve --memory`. Arguments go to
# the program (go run ./bench/rows -h), e.g. `bench/rows.sh -n 500000`.
# It prints figures; it fails only when something does not build or run.
# BILLCTL_BIN=PATH measures that billctl instead of building one.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$out/rows" ./bench/rows
if [ -n "${BILLCTL_BIN:-}" ]; then cp "$BILLCTL_BIN" "$out/billctl"; else
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
fi
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
status=0
"$out/rows" -bin "$out/billctl" "$@" || status=$?
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
