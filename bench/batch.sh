#!/bin/sh
# Measures `billctl checkout create -f` on big batches against
# `billctl sandbox serve --memory --latency 20ms` (each answer after 20 ms),
# and prints the figures:
#   - 1,000 documents at --parallel 16: sessions/s and % of the ideal 800/s,
#     and the same 1,000 creates by a shell loop of curl (and xargs -P16);
#   - the same speed runs, in turn, by billctl as it was before batches kept
#     a journal (built from the commit before internal/journal was added,
#     or BEFORE=<commit>; BEFORE=none skips it): what the journal's fsyncs
#     cost, before/after in one run;
#   - 100,000 documents (from a file, and from stdin): peak memory (max RSS).
# Extra arguments go to the measuring program (see: go run ./bench/batch -h),
# e.g. `bench/batch.sh -big 0` for the speed figures alone.
# BILLCTL_BIN=PATH measures that billctl instead of building one.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ -n "${BILLCTL_BIN:-}" ]; then cp "$BILLCTL_BIN" "$out/billctl"; else
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl" ./cmd/billctl
fi
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/batch" ./bench/batch
before=${BEFORE:-}
if [ -z "$before" ] && git rev-parse --git-dir >/dev/null 2>&1; then
	added=$(git log --diff-filter=A --format=%H -- internal/journal/journal.go | tail -n 1)
	[ -n "$added" ] && before=$(git rev-parse "$added^")
fi
compare=
if [ -n "$before" ] && [ "$before" != none ]; then
	mkdir "$out/before"
	git archive "$before" | tar -x -C "$out/before"
	(cd "$out/before" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/billctl-before" ./cmd/billctl)
	echo "before: billctl at $(git log --format='%h %s' -1 "$before")"
	compare="$out/billctl-before"
fi
"$out/batch" -bin "$out/billctl" ${compare:+-before "$compare"} "$@"
