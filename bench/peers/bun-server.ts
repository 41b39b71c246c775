// Peer anchor for `turnout bench --url` (issue 5): Bun's built-in WebSocket server
// (uWebSockets), the seed's "native" target. Serves what `turnout serve --echo` serves:
//   /fanout-ws  one broadcast room: every text or binary message a member sends goes, unchanged,
//               to every member, the sender included (`ws.subscribe` + `server.publish`, as Bun's
//               chat-room benchmark bench/websocket-server does with `publishToSelf: true`);
//   any other path  echo: every message goes back as it came (the bench uses /echo-ws?stack=...).
// Port: first argument, else $PORT, else 8102. Host: $HOST, else 127.0.0.1 (loopback only).
const port = Number(Bun.argv[2] || process.env.PORT || 8102);
const hostname = process.env.HOST || "127.0.0.1";
const ROOM = "fanout";

const server = Bun.serve({
  hostname,
  port,
  fetch(req, server) {
    const fanout = new URL(req.url).pathname === "/fanout-ws";
    if (server.upgrade(req, { data: { fanout } })) return;
    return new Response("WebSocket only\n", { status: 426 });
  },
  websocket: {
    perMessageDeflate: false,
    open(ws) {
      if (ws.data.fanout) ws.subscribe(ROOM); // closed sockets leave their topics by themselves
    },
    message(ws, message) {
      // A string goes out as text, a buffer as binary, in both branches.
      if (ws.data.fanout) server.publish(ROOM, message); // every subscriber, the sender included
      else ws.send(message);
    },
  },
});
console.log(`bun-server listening on ws://${hostname}:${server.port} (bun ${Bun.version}): /fanout-ws broadcast, any other path echo`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
