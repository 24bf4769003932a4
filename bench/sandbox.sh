#!/usr/bin/env bash
# Speed and memory of `billctl sandbox serve`, side by side with Prism's
# mock server in one run:
#   - 1,000 creates by `billctl checkout create -f … --parallel 16` against
#     the sandbox (SQLite file, no latency) and against `prism mock` of the
#     Meteroid spec: sessions/s of each;
#   - the sandbox's peak RSS once it holds 100,000 sessions.
# It prints figures; it fails only when something does not build or run.
#
#   bench/sandbox.sh                 everything
#   bench/sandbox.sh -big 0          the speed figures alone
# BILLCTL_BIN=PATH measures that billctl instead of building one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source .ci/lib.sh
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export CGO_ENABLED=0
if [ -n "${BILLCTL_BIN:-}" ]; then cp "$BILLCTL_BIN" "$out/billctl"; else
	go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
fi
go build -o "$out/bench" ./bench/sandbox
prism=""
if [[ -x "$PRISM" ]]; then
	prism="$PRISM"
else
	echo "prism $PRISM_VERSION not found at $PRISM (install it with .ci/run or install_prism): no comparison" >&2
fi
echo "go: $(go version); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/bench" -bin "$out/billctl" -prism "$prism" "$@"
