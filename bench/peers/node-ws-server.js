#!/usr/bin/env node
// Peer anchor for `turnout bench --url` (issue 5): Node 20 + `ws` (Debian's node-ws, the stack
// the original system ran). Serves what `turnout serve --echo` serves:
//   /fanout-ws  one broadcast room: every text or binary message a member sends goes, unchanged,
//               to every member, the sender included (a loop over the room's clients, as the
//               Node server of Bun's chat-room benchmark does);
//   any other path  echo: every message goes back as it came (the bench uses /echo-ws?stack=...).
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
const room = new Set();
wss.on('connection', (ws, req) => {
  ws.on('error', () => {});
  if (new URL(req.url, 'http://localhost').pathname === '/fanout-ws') {
    room.add(ws);
    ws.on('close', () => room.delete(ws));
    ws.on('message', (data, isBinary) => {
      for (const member of room) member.send(data, { binary: isBinary });
    });
  } else {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
});
wss.on('listening', () => console.log(`node-ws-server listening on ws://${host}:${port} (node ${process.version}): /fanout-ws broadcast, any other path echo`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
