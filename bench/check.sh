#!/bin/sh
# Measures how fast `billctl checkout create -f` checks a batch, and its
# peak memory, at 25k, 50k, 100k and 200k documents, for a YAML stream, a
# compact JSON array (one document per line) and a pretty-printed JSON
# array. Extra arguments go to the measuring program, e.g.
# `bench/check.sh -n 100000 -forms json`.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/check" ./bench/check
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
status=0
"$out/check" -bin "$out/billctl" "$@" || status=$?
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
