#!/bin/sh
# Measures `billctl checkout list` on long lists (the endpoint is not
# paginated: every session a tenant ever had comes in one answer) against
# a local server, and prints the time and peak memory (max RSS) for each
# length and format. Memory must stay flat as the list grows.
# Extra arguments go to the measuring program, e.g. `bench/list.sh -n 200000`.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/list" ./bench/list
"$out/list" -bin "$out/billctl" "$@"
