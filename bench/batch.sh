#!/bin/sh
# Measures `billctl checkout create -f` on big batches against
# `billctl sandbox serve --memory --latency 20ms` (each answer after 20 ms),
# and prints the figures:
#   - 1,000 documents at --parallel 16: sessions/s and % of the ideal 800/s,
#     and the same 1,000 creates by a shell loop of curl (and xargs -P16);
#   - 100,000 documents (from a file, and from stdin): peak memory (max RSS).
# Extra arguments go to the measuring program (see: go run ./bench/batch -h),
# e.g. `bench/batch.sh -big 0` for the speed figures alone.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/batch" ./bench/batch
"$out/batch" -bin "$out/billctl" "$@"
