// Echo peer anchor for `turnout bench --scenario echo --url` (issue 5): Bun's built-in
// WebSocket server (uWebSockets), the seed's "native" target. Echoes every text or binary
// message back as it came, on any path (the bench connects to /echo-ws?stack=...).
// Port: first argument, else $PORT, else 8102. Host: $HOST, else 127.0.0.1 (loopback only).
const port = Number(Bun.argv[2] || process.env.PORT || 8102);
const hostname = process.env.HOST || "127.0.0.1";

const server = Bun.serve({
  hostname,
  port,
  fetch(req, server) {
    if (server.upgrade(req)) return; // any path
    return new Response("WebSocket echo only\n", { status: 426 });
  },
  websocket: {
    perMessageDeflate: false,
    message(ws, message) {
      ws.send(message); // a string goes back as text, a buffer as binary
    },
  },
});
console.log(`bun-echo listening on ws://${hostname}:${server.port} (bun ${Bun.version})`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
