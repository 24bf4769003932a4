#!/usr/bin/env bash
# The contract run against a third-party mock: every request file of
# testdata/requests is sent by the real binary to Prism serving the
# provider's OpenAPI document, and so are get, list and cancel. Prism checks
# each request against the document and logs "Violation" for any mismatch;
# the run fails on any such line and on any command that fails or prints
# output that does not decode. The Go contract test checks the same bodies
# with another validator; this one also covers headers, paths, query
# strings and the tool's decoding of the responses Prism makes up.
#
# Prism's logs are kept in .ci/.out/contract/ (BILLCTL_CI_OUT overrides).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

[[ -x "$PRISM" ]] || install_prism

METEROID_SPEC=testdata/specs/meteroid-openapi.strict.json
MAPLE_SPEC=testdata/specs/maple-openapi.yaml
COMPANY=cmp_2MkGNwZq
SESSION_ID=che_7n42DGM5Tflk9n8mt7Fhc7
READY_TIMEOUT=${BILLCTL_CI_PRISM_TIMEOUT:-180}

OUT="${BILLCTL_CI_OUT:-$ROOT/.ci/.out}/contract"
rm -rf "$OUT"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
mkdir -p "$WORK/home"

pids=()
stop_prism() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	pids=()
}
cleanup() {
	stop_prism
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a loopback port nobody listens on, other than $1.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		[[ "$p" != "${1:-}" ]] || continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "no free port found" >&2
	return 1
}

# start_prism NAME SPEC PORT: Prism in the background, its log in $OUT.
start_prism() {
	"$PRISM" mock -h 127.0.0.1 -p "$3" "$2" >"$OUT/prism-$1.log" 2>&1 &
	pids+=("$!")
}

# wait_ready NAME PORT PID: poll the port until Prism listens.
wait_ready() {
	local deadline=$((SECONDS + READY_TIMEOUT))
	until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do
		if ! kill -0 "$3" 2>/dev/null; then
			echo "prism ($1) exited before listening:" >&2
			cat "$OUT/prism-$1.log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "prism ($1) was not listening on port $2 after ${READY_TIMEOUT}s:" >&2
			tail -n 20 "$OUT/prism-$1.log" >&2
			return 1
		fi
		sleep 0.2
	done
}

METEROID_PORT=$(free_port)
MAPLE_PORT=$(free_port "$METEROID_PORT")
start_prism meteroid "$METEROID_SPEC" "$METEROID_PORT"
start_prism maple "$MAPLE_SPEC" "$MAPLE_PORT"

# Build while Prism loads the specs.
go build -o "$WORK/billctl" ./cmd/billctl

wait_ready meteroid "$METEROID_PORT" "${pids[0]}"
wait_ready maple "$MAPLE_PORT" "${pids[1]}"
METEROID_URL="http://127.0.0.1:$METEROID_PORT"
MAPLE_URL="http://127.0.0.1:$MAPLE_PORT"

# billctl runs with an empty environment and a HOME of its own, so that no
# profile or BILLCTL_* variable of the machine changes what is sent.
bill() {
	env -i PATH="$PATH" HOME="$WORK/home" BILLCTL_TOKEN=sk_ci_contract "$WORK/billctl" "$@"
}

sent=0
failed=0
# check SHAPE ARGS...: run billctl ARGS -o json; it must exit 0 and print
# JSON of SHAPE (object or array) whose sessions have an id.
check() {
	local shape=$1 rc=0
	shift
	sent=$((sent + 1))
	bill "$@" -o json >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
	if ((rc == 0)) && node .ci/contract-helper.mjs decodes "$shape" <"$WORK/stdout" 2>>"$WORK/stderr"; then
		echo "ok    billctl $*"
		return
	fi
	failed=$((failed + 1))
	echo "FAIL  billctl $* (exit $rc)"
	sed 's/^/      /' "$WORK/stderr" "$WORK/stdout"
}

shopt -s nullglob
meteroid_files=(testdata/requests/meteroid/*.yaml testdata/requests/meteroid/*.yml testdata/requests/meteroid/*.json)
maple_files=(testdata/requests/maple/*.yaml testdata/requests/maple/*.yml testdata/requests/maple/*.json)
shopt -u nullglob
if ((${#meteroid_files[@]} == 0 || ${#maple_files[@]} == 0)); then
	echo "no request files under testdata/requests/{meteroid,maple}" >&2
	exit 1
fi

M=(--provider meteroid --base-url "$METEROID_URL")
P=(--provider maple --base-url "$MAPLE_URL" --company "$COMPANY")
for f in "${meteroid_files[@]}"; do
	check object checkout create "${M[@]}" -f "$f"
done
for f in "${maple_files[@]}"; do
	check object checkout create "${P[@]}" -f "$f"
done
check object checkout get "${M[@]}" "$SESSION_ID"
check array checkout list "${M[@]}"
check array checkout list "${M[@]}" --customer cus_7n42DGM5Tflk9n8mt7Fhc7 --status AWAITING_PAYMENT
check object checkout cancel "${M[@]}" "$SESSION_ID"
check object checkout get "${P[@]}" che_5Tq9XwM3

# The canaries: one request per mock that breaks its spec in a way billctl
# cannot (a number at index 99 of a list of IDs). They prove that Prism
# validates and that its log is read; and as they go last, once their
# Violation is in a log, every earlier request's lines are there too.
ids=$(printf '"id_%d",' $(seq 99))
METEROID_CANARY="request.body.coupon_ids.99 "
MAPLE_CANARY="request.body.product_pricing_ids.99 "
node .ci/contract-helper.mjs canary "$METEROID_URL/api/v1/checkout-sessions" \
	"{\"customer_id\":\"cus_ci\",\"plan_version_id\":\"plv_ci\",\"coupon_ids\":[${ids}0]}"
node .ci/contract-helper.mjs canary "$MAPLE_URL/api/v1/companies/$COMPANY/checkout" \
	"{\"type\":\"CHECKOUT_SESSION\",\"customer_id\":\"cus_ci\",\"config_items\":[],\"product_pricing_ids\":[${ids}0]}"

# wait_logged NAME TEXT: wait until Prism's log holds a Violation with TEXT.
wait_logged() {
	local deadline=$((SECONDS + 60))
	until grep 'Violation' "$OUT/prism-$1.log" | grep -qF "$2"; do
		if ((SECONDS >= deadline)); then
			echo "FAIL  prism ($1) did not report the canary's violation ($2): it is not validating requests" >&2
			return 1
		fi
		sleep 0.2
	done
}
canary_ok=1
wait_logged meteroid "$METEROID_CANARY" || canary_ok=0
wait_logged maple "$MAPLE_CANARY" || canary_ok=0
stop_prism

violations=0
for name in meteroid maple; do
	canary=$METEROID_CANARY
	[[ $name == maple ]] && canary=$MAPLE_CANARY
	lines=$(grep 'Violation' "$OUT/prism-$name.log" | grep -vF "$canary" || true)
	if [[ -n "$lines" ]]; then
		echo "Prism ($name) reported violations:"
		echo "$lines" | sed 's/^/      /'
		violations=$((violations + $(echo "$lines" | wc -l)))
	fi
done

echo "contract: $sent command(s), $failed failed; $violations violation(s) in Prism's logs ($OUT)"
if ((failed > 0 || violations > 0 || canary_ok == 0)); then
	exit 1
fi
