// The NOTIFY approach the Supabase Realtime README argues against, kept small on purpose: one connection
// LISTENs on a channel fed by an AFTER INSERT/UPDATE/DELETE trigger (pg_notify with row_to_json), and every
// notification payload is sent as is, as one text frame, to every connected WebSocket client.
// Env: PGHOST, PGPORT, PGUSER, PGDATABASE (libpq-style, read by pg), LISTEN_CHANNEL, PORT.
// Prints "listening <port>" on stdout once it listens on both sides.
"use strict";
const { Client } = require("pg");
const WebSocket = require("ws");

const channel = process.env.LISTEN_CHANNEL || "bench_changes";
const port = parseInt(process.env.PORT || "0", 10);

async function main() {
  const db = new Client();
  await db.connect();
  const wss = new WebSocket.Server({ host: "127.0.0.1", port, perMessageDeflate: false });
  db.on("notification", (msg) => {
    for (const ws of wss.clients) {
      if (ws.readyState === WebSocket.OPEN) ws.send(msg.payload);
    }
  });
  db.on("error", (err) => {
    console.error("listener: database connection lost:", err.message);
    process.exit(1);
  });
  await db.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
  await new Promise((resolve) => (wss.address() ? resolve() : wss.on("listening", resolve)));
  console.log(`listening ${wss.address().port}`);
  const stop = () => {
    wss.close();
    db.end().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error("listener:", err.message);
  process.exit(1);
});
