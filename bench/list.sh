#!/bin/sh
# Measures `billctl checkout list` on long lists (the endpoint is not
# paginated: every session a tenant ever had comes in one answer) against
# a local server, and prints the time and peak memory (max RSS) for each
# length and format. Memory must stay flat as the list grows.
# Extra arguments go to the measuring program, e.g. `bench/list.sh -n 200000`.
# BILLCTL_BIN=PATH measures that billctl instead of building one.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -n "${BILLCTL_BIN:-}" ]; then cp "$BILLCTL_BIN" "$out/billctl"; else
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
fi
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/list" ./bench/list
"$out/list" -bin "$out/billctl" "$@"
