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
# Then the sandbox's answers: `billctl sandbox serve` behind Prism in proxy
# mode, once per spec; every create, get, list and cancel goes through it and
# any response Violation, or a response Prism ends as one, fails the run.
#
# Prism's logs are kept in .ci/.out/contract/ (BILLCTL_CI_OUT overrides).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

[[ -x "$PRISM" ]] || install_prism

METEROID_SPEC=testdata/specs/meteroid-openapi.sdk.strict.json
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

# wait_ready NAME PORT PID [LOG]: poll the port until the server listens
# (its log is $OUT/prism-NAME.log unless LOG).
wait_ready() {
	local deadline=$((SECONDS + READY_TIMEOUT)) log=${4:-$OUT/prism-$1.log}
	until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do
		if ! kill -0 "$3" 2>/dev/null; then
			echo "$1 exited before listening:" >&2
			cat "$log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "$1 was not listening on port $2 after ${READY_TIMEOUT}s:" >&2
			tail -n 20 "$log" >&2
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

echo "contract (mock): $sent command(s), $failed failed; $violations violation(s) in Prism's logs ($OUT)"
mock_bad=$((failed > 0 || violations > 0 || canary_ok == 0))

# The sandbox's answers, checked by Prism in proxy mode: `billctl sandbox
# serve --memory` behind one Prism proxy per spec, with --errors so that a
# response that breaks the spec is turned into an error billctl sees, and
# logged. The same creates (their references replaced by the
# sandbox's demo catalogue, which the banner of `serve` names), then get,
# list, list with filters and cancel of sessions the sandbox created, and the
# error answers of an unknown session and of a second cancel.
sent=0
failed=0
SANDBOX_PORT=$(free_port)
"$WORK/billctl" sandbox serve --memory --addr "127.0.0.1:$SANDBOX_PORT" >"$OUT/sandbox.log" 2>&1 &
pids+=("$!")
sandbox_pid=$!
PROXY_METEROID_PORT=$(free_port "$SANDBOX_PORT")
PROXY_MAPLE_PORT=$(free_port "$PROXY_METEROID_PORT")
"$PRISM" proxy -h 127.0.0.1 -p "$PROXY_METEROID_PORT" "$METEROID_SPEC" "http://127.0.0.1:$SANDBOX_PORT" --errors >"$OUT/prism-proxy-meteroid.log" 2>&1 &
pids+=("$!")
proxy_meteroid_pid=$!
"$PRISM" proxy -h 127.0.0.1 -p "$PROXY_MAPLE_PORT" "$MAPLE_SPEC" "http://127.0.0.1:$SANDBOX_PORT" --errors >"$OUT/prism-proxy-maple.log" 2>&1 &
pids+=("$!")
proxy_maple_pid=$!
wait_ready sandbox "$SANDBOX_PORT" "$sandbox_pid" "$OUT/sandbox.log"
wait_ready proxy-meteroid "$PROXY_METEROID_PORT" "$proxy_meteroid_pid"
wait_ready proxy-maple "$PROXY_MAPLE_PORT" "$proxy_maple_pid"

# The demo IDs, from the commands the banner suggests.
banner=$(cat "$OUT/sandbox.log")
demo() { grep -oE -- "$1" <<<"$banner" | head -n 1 | awk '{print $NF}'; }
DEMO_PLV=$(demo '--plan-version plv_[0-9A-Za-z]+')
DEMO_CUS=$(demo 'list --customer cus_[0-9A-Za-z]+')
DEMO_MAPLE_CUS=$(demo 'maple --customer cus_[0-9A-Za-z]+')
DEMO_PP=$(demo '--product-pricing pp_[0-9A-Za-z]+')
DEMO_COMPANY=$(demo 'Maple company cmp_[0-9A-Za-z]+' | tr -d ',')
# The first add-on and coupon of the catalogue, as the API lists them.
first_id() {
	node -e 'fetch(process.argv[1], {headers: {Authorization: "Bearer sk_ci_contract"}})
		.then((r) => r.json()).then((v) => console.log(v.data[0].id))' "http://127.0.0.1:$SANDBOX_PORT/api/v1/$1"
}
# Maple has no endpoint that lists bundle pricings: the demo catalogue's one
# bundle (internal/provider/maple/demo.go, DemoBundleStarter).
DEMO_BP=$(grep -oE 'bp_[0-9A-Za-z]+' internal/provider/maple/demo.go | head -n 1)
DEMO_ADD=$(first_id addons)
DEMO_COU=$(first_id coupons)
for v in DEMO_PLV DEMO_CUS DEMO_MAPLE_CUS DEMO_PP DEMO_BP DEMO_COMPANY DEMO_ADD DEMO_COU; do
	[[ -n "${!v}" ]] || { echo "FAIL  $v not found in the banner of sandbox serve:" >&2; cat "$OUT/sandbox.log" >&2; exit 1; }
done

# The request files, their customers, plan versions, add-ons, coupons,
# product pricings and bundle pricings replaced by the demo catalogue's: the sandbox refuses
# unknown ones, as the real servers do (and two add-on and coupon IDs of the
# files do not fit in 128 bits, which the real server refuses with 422).
mkdir -p "$WORK/proxy/meteroid" "$WORK/proxy/maple"
for f in "${meteroid_files[@]}"; do
	sed -E -e "s/cus_[0-9A-Za-z]{8,}/$DEMO_CUS/g" -e "s/customer_id: acme-corp/customer_id: acme/" \
		-e "s/plv_[0-9A-Za-z]{8,}/$DEMO_PLV/g" -e "s/add_[0-9A-Za-z]{8,}/$DEMO_ADD/g" -e "s/cou_[0-9A-Za-z]{8,}/$DEMO_COU/g" "$f" >"$WORK/proxy/meteroid/$(basename "$f")"
done
for f in "${maple_files[@]}"; do
	sed -E -e "s/cus_[0-9A-Za-z]{8,}/$DEMO_MAPLE_CUS/g" -e "s/pp_[0-9A-Za-z]{8,}/$DEMO_PP/g" -e "s/bp_[0-9A-Za-z]{8,}/$DEMO_BP/g" "$f" >"$WORK/proxy/maple/$(basename "$f")"
done

# check_refused ARGS...: billctl ARGS must exit 1 (the API's refusal).
check_refused() {
	local rc=0
	sent=$((sent + 1))
	bill "$@" -o json >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
	if ((rc == 1)); then
		echo "ok    billctl $* (refused)"
		return
	fi
	failed=$((failed + 1))
	echo "FAIL  billctl $* (exit $rc, want 1)"
	sed 's/^/      /' "$WORK/stderr" "$WORK/stdout"
}

M=(--provider meteroid --base-url "http://127.0.0.1:$PROXY_METEROID_PORT")
P=(--provider maple --base-url "http://127.0.0.1:$PROXY_MAPLE_PORT" --company "$DEMO_COMPANY")
for f in "$WORK"/proxy/meteroid/*; do
	check object checkout create "${M[@]}" -f "$f"
done
for f in "$WORK"/proxy/maple/*; do
	check object checkout create "${P[@]}" -f "$f"
done
sent=$((sent + 2))
meteroid_id=$(bill checkout create "${M[@]}" --customer "$DEMO_CUS" --plan-version "$DEMO_PLV" -o id) || { failed=$((failed + 1)); echo "FAIL  create for get/cancel"; }
maple_id=$(bill checkout create "${P[@]}" --customer "$DEMO_MAPLE_CUS" --product-pricing "$DEMO_PP" -o id) || { failed=$((failed + 1)); echo "FAIL  maple create for get"; }
check object checkout get "${M[@]}" "$meteroid_id"
check array checkout list "${M[@]}"
check array checkout list "${M[@]}" --customer "$DEMO_CUS" --status CREATED
check object checkout cancel "${M[@]}" "$meteroid_id"
check object checkout get "${M[@]}" "$meteroid_id"
check_refused checkout cancel "${M[@]}" "$meteroid_id"
check_refused checkout get "${M[@]}" che_7n42DGM5Tflk9n8mt7Fhc7
check object checkout get "${P[@]}" "$maple_id"
check_refused checkout get "${P[@]}" chk_2SbxNoSuchSession0

# Canaries through the proxies: a valid request whose answer the spec does
# not document (Meteroid: 400 for a session ID too big for 128 bits, which
# the real server's path extractor refuses; Maple: 403 for a company the
# token cannot reach, on get). Their
# Violation proves that each proxy validates responses and that its log is
# read; as they go last, every earlier answer's lines are there too.
get_any() {
	node -e 'fetch(process.argv[1], {headers: {Authorization: "Bearer sk_ci_canary"}}).then((r) => r.text())' "$1"
}
get_any "http://127.0.0.1:$PROXY_METEROID_PORT/api/v1/checkout-sessions/che_zzzzzzzzzzzzzzzzzzzzzzzz"
get_any "http://127.0.0.1:$PROXY_MAPLE_PORT/api/v1/companies/cmp_2SbxNoSuchCo/checkout/chk_2SbxNoSuchSession0"
PROXY_CANARY="response Unable to match the returned status code"
# before_canary NAME MARK / after_canary NAME MARK: the log's lines before
# and from the canary's request (the first line holding MARK).
before_canary() { awk -v m="$2" 'index($0, m) { exit } { print }' "$OUT/prism-proxy-$1.log"; }
after_canary() { awk -v m="$2" 'index($0, m) { on = 1 } on { print }' "$OUT/prism-proxy-$1.log"; }
# wait_canary NAME MARK: wait until a Violation follows the canary's request.
wait_canary() {
	local deadline=$((SECONDS + 60))
	until after_canary "$1" "$2" | grep 'Violation' | grep -qF "$PROXY_CANARY"; do
		if ((SECONDS >= deadline)); then
			echo "FAIL  prism proxy ($1) did not report the canary's violation: it is not validating responses" >&2
			return 1
		fi
		sleep 0.2
	done
}
canary_ok=1
wait_canary meteroid "che_zzzzzzzzzzzzzzzzzzzzzzzz" || canary_ok=0
wait_canary maple "cmp_2SbxNoSuchCo" || canary_ok=0
stop_prism

violations=0
for name in meteroid maple; do
	mark="che_zzzzzzzzzzzzzzzzzzzzzzzz"
	[[ $name == maple ]] && mark="cmp_2SbxNoSuchCo"
	# With --errors a body that breaks the schema ends the request (the
	# client gets Prism's 500 VIOLATIONS, logged as "Request terminated with
	# error"); a status the spec lacks is logged as a Violation warning.
	lines=$(before_canary "$name" "$mark" | grep -E 'Violation|Request terminated with error' || true)
	if [[ -n "$lines" ]]; then
		echo "Prism proxy ($name) reported violations in the sandbox's answers:"
		echo "$lines" | sed 's/^/      /'
		violations=$((violations + $(echo "$lines" | wc -l)))
	fi
done
echo "contract (sandbox through Prism proxy): $sent command(s), $failed failed; $violations violation(s) in Prism's logs ($OUT)"
if ((mock_bad || failed > 0 || violations > 0 || canary_ok == 0)); then
	exit 1
fi
