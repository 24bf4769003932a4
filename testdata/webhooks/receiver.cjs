// An independent receiver for billctl's signed webhooks: every request is
// verified with the Standard Webhooks reference library (npm package
// standardwebhooks), and so is a copy with one byte of its body changed,
// which the library must refuse. One JSON line per request on stdout:
// {"id", "type", "verified", "tamperedRejected"}.
//
// Usage: node receiver.cjs SECRET (with NODE_PATH naming the node_modules
// that holds standardwebhooks). It listens on 127.0.0.1, on a free port,
// and prints {"listening": PORT} first.
"use strict";
const http = require("node:http");
const { Webhook } = require("standardwebhooks");

const wh = new Webhook(process.argv[2]);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = {
      "webhook-id": req.headers["webhook-id"],
      "webhook-timestamp": req.headers["webhook-timestamp"],
      "webhook-signature": req.headers["webhook-signature"],
    };
    const line = { id: headers["webhook-id"], type: null, verified: false, tamperedRejected: false };
    try {
      const event = wh.verify(body, headers);
      line.verified = true;
      line.type = event.type;
    } catch (e) {
      line.error = String(e.message || e);
    }
    try {
      wh.verify(body.replace(/}\s*$/, ', "tampered": true}'), headers);
    } catch (e) {
      line.tamperedRejected = true;
    }
    process.stdout.write(JSON.stringify(line) + "\n");
    res.writeHead(line.verified ? 204 : 400);
    res.end();
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + "\n");
});
