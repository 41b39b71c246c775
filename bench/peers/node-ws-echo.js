#!/usr/bin/env node
// Echo peer anchor for `turnout bench --scenario echo --url` (issue 5): Node 20 + `ws`
// (Debian's node-ws, the stack the original system ran). Echoes every text or binary
// message back as it came, on any path (the bench connects to /echo-ws?stack=...).
// Port: first argument, else $PORT, else 8101. Host: $HOST, else 127.0.0.1 (loopback only).
'use strict';
let WebSocketServer;
try {
  ({ WebSocketServer } = require('ws'));
} catch (e) {
  ({ WebSocketServer } = require('/usr/share/nodejs/ws')); // Debian's node-ws location
}

const port = Number(process.argv[2] || process.env.PORT || 8101);
const host = process.env.HOST || '127.0.0.1';

// No `path` option: every upgrade path is accepted. perMessageDeflate is off (ws' server default).
const wss = new WebSocketServer({ host, port, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`node-ws-echo listening on ws://${host}:${port} (node ${process.version})`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
