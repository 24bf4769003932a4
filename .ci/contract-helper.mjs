// Small checks for .ci/contract.sh that would otherwise need jq or curl.
//
//   node contract-helper.mjs decodes object|array   < output
//     stdin is JSON of that shape, and every session in it has an "id"
//   node contract-helper.mjs canary URL BODY
//     POSTs BODY to URL and succeeds only if the mock refuses it (4xx)

import { readFileSync } from "node:fs";

const [cmd, ...args] = process.argv.slice(2);

function fail(msg) {
	console.error(msg);
	process.exit(1);
}

if (cmd === "decodes") {
	const text = readFileSync(0, "utf8");
	let v;
	try {
		v = JSON.parse(text);
	} catch (e) {
		fail(`output is not JSON (${e.message}):\n${text}`);
	}
	const want = args[0];
	const sessions = want === "array" ? v : [v];
	if (want === "array" && !Array.isArray(v)) fail(`want a JSON array, got:\n${text}`);
	if (want === "object" && (v === null || typeof v !== "object" || Array.isArray(v)))
		fail(`want a JSON object, got:\n${text}`);
	if (sessions.length === 0) fail("want at least one session, got an empty array");
	for (const s of sessions) {
		if (s === null || typeof s !== "object" || typeof s.id !== "string" || s.id === "")
			fail(`a session without an "id":\n${text}`);
	}
} else if (cmd === "canary") {
	const [url, body] = args;
	const res = await fetch(url, {
		method: "POST",
		headers: {
			"Content-Type": "application/json",
			Accept: "application/json",
			Authorization: "Bearer sk_ci_canary",
		},
		body,
	});
	await res.text();
	if (res.status < 400 || res.status >= 500) fail(`the mock answered ${res.status} to an invalid request`);
} else {
	fail(`usage: contract-helper.mjs decodes object|array | canary URL BODY`);
}
