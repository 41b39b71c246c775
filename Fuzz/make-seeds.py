#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into Fuzz/Corpus/<target>/ (docs/fuzzing.md).

Run it after changing a seed here; it rewrites the seeds it knows and leaves other files (crash
reproducers added by hand) alone. Tokens are signed with the fuzz router's secret
(Sources/TurnoutFuzzTargets/FuzzRouter.swift), so the `jwt` and `http` targets accept the valid ones.
"""
import base64
import hashlib
import hmac
import json
import os
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))
SECRET = b"turnout-fuzz-secret-0123456789abcdef-0123456789abcdef"
FAR_FUTURE = 4_102_444_800  # 2100-01-01


def write(target, name, data):
    folder = os.path.join(ROOT, "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- frames: a chunking prefix (see ChunkedInput.swift), then client frames --------------------

ONE_READ = b"\x00"
BYTE_AT_A_TIME = b"\x01\x00"
UNEVEN = b"\x03\x02\x06\x00"


def frame(opcode, payload, fin=True, mask=b"\x37\xfa\x21\x3d", rsv=0):
    first = (0x80 if fin else 0) | rsv | opcode
    masked = mask is not None
    n = len(payload)
    if n < 126:
        header = bytes([first, (0x80 if masked else 0) | n])
    elif n < 65536:
        header = bytes([first, (0x80 if masked else 0) | 126]) + struct.pack(">H", n)
    else:
        header = bytes([first, (0x80 if masked else 0) | 127]) + struct.pack(">Q", n)
    if not masked:
        return header + payload
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def close(code, reason=b""):
    return frame(0x8, struct.pack(">H", code) + reason)


frames = {
    "text-masked": frame(0x1, b"Hello"),
    "text-unmasked": frame(0x1, b"Hello", mask=None),
    "binary-126": frame(0x2, bytes(range(200))),
    "binary-127-too-long": frame(0x2, b"", mask=None)[:1] + b"\xff" + struct.pack(">Q", 1 << 40) + b"\x00" * 4,
    "fragmented-text": frame(0x1, b"Hel", fin=False) + frame(0x0, b"lo, ", fin=False) + frame(0x0, "wörld".encode()),
    "ping-inside-fragments": frame(0x1, b"ab", fin=False) + frame(0x9, b"ping") + frame(0x0, b"cd"),
    "ping-pong": frame(0x9, b"are you there") + frame(0xA, b"yes"),
    "close-normal": close(1000, b"bye"),
    "close-empty": frame(0x8, b""),
    "close-one-byte": frame(0x8, b"\x03"),
    "close-bad-code": close(1005),
    "close-bad-reason": close(1000, b"\xff\xfe"),
    "text-bad-utf8": frame(0x1, b"\xc3\x28"),
    "text-split-utf8": frame(0x1, "é".encode()[:1], fin=False) + frame(0x0, "é".encode()[1:]),
    "reserved-opcode": frame(0x3, b"x"),
    "rsv1": frame(0x1, b"x", rsv=0x40),
    "fragmented-ping": frame(0x9, b"x", fin=False),
    "long-ping": frame(0x9, b"p" * 126),
    "continuation-first": frame(0x0, b"x"),
    "text-during-fragments": frame(0x1, b"a", fin=False) + frame(0x1, b"b"),
    "after-close": close(1000) + frame(0x1, b"late"),
    "message-too-big": frame(0x2, b"x" * 1000, fin=False) + frame(0x0, b"y" * 1000, fin=False) + frame(0x0, b"z" * 100),
    "frame-too-big": frame(0x2, b"x" * 1025),
    "glasses-session": frame(0x1, b'{"type":"connection_init","coreToken":"t"}')
    + frame(0x1, b'{"type":"head_position","position":"up"}')
    + frame(0x2, bytes(640))
    + close(1000),
}
for name, stream in frames.items():
    write("frames", name, ONE_READ + stream)
for name in ["text-masked", "fragmented-text", "ping-inside-fragments", "close-normal", "binary-126", "text-split-utf8"]:
    write("frames", name + "-byte-at-a-time", BYTE_AT_A_TIME + frames[name])
    write("frames", name + "-uneven", UNEVEN + frames[name])

# --- json: real SDK messages and edge cases ----------------------------------------------------

json_seeds = {
    "connection-init": '{"type":"connection_init","coreToken":"eyJhbGciOiJIUzI1NiJ9.e30.x"}',
    "tpa-connection-init": '{"type":"tpa_connection_init","sessionId":"ada@example.com-com.example.notes",'
    '"packageName":"com.example.notes","apiKey":"notes-dev-key"}',
    "subscription-update": '{"type":"subscription_update","packageName":"com.example.notes",'
    '"subscriptions":["transcription:en-US","button_press",{"stream":"location_stream","rate":"standard"}]}',
    "transcription": '{"type":"transcription","text":"hello w\\u00f6rld \\ud83d\\ude00","isFinal":true,'
    '"transcribeLanguage":"en-US","startTime":1732780800000,"endTime":1.7327808e12,"speakerId":null,"provider":"azure"}',
    "display-event": '{"type":"display_event","packageName":"com.example.notes","view":"main",'
    '"layout":{"layoutType":"text_wall","text":"Line 1\\nLine 2\\t\\"quoted\\""},"durationMs":-0.5e+3,"forceDisplay":false}',
    "head-position": '  {"type" : "head_position" , "position" : "up"}\r\n',
    "duplicate-type": '{"type":"a","type":"b"}',
    "type-not-string": '{"type":{"nested":["x",1,true]}}',
    "no-type": '{"packageName":"com.example.notes","settings":[],"capabilities":null}',
    "escaped-type-key": '{"t\\u0079pe":"button_press","buttonId":"main","pressType":"long"}',
    "empty": "{}",
    "deep": '{"a":' + "[" * 20 + "]" * 20 + "}",
    "not-an-object": "[1,2,3]",
    "trailing-garbage": '{"type":"x"} {}',
    "unterminated": '{"type":"conn',
    "bad-escape": '{"type":"\\x"}',
    "lone-surrogate": '{"type":"\\ud800"}',
    "control-char": '{"type":"a\tb"}',
    "numbers": '{"a":0,"b":-0,"c":1.5e-7,"d":123456789012345678901234567890,"e":01}',
    "invalid-utf8": b'{"type":"\xc3\x28"}',
}
for name, text in json_seeds.items():
    write("json", name, text)

# --- config: the repository's files and variants -----------------------------------------------

with open(os.path.join(ROOT, "..", "flags.yaml"), "rb") as f:
    write("config", "flags.yaml", f.read())
with open(os.path.join(ROOT, "..", "apps.yaml"), "rb") as f:
    write("config", "apps.yaml", f.read())
config_seeds = {
    "flags-ramp": "version: 1\nflags:\n  native-transport:\n    percentage: 12.5\n    on_change: migrate\n"
    "    migrate_window: 2m\n    users:\n      native: [qa@example.com]\n      compat: ['vip@example.com']\n",
    "flags-flow": "version: 1\nflags: {native-transport: {percentage: 5, enabled: false, endpoints: [glasses]}}\n",
    "flags-two": "version: 1\nflags:\n  native-transport:\n    percentage: 100\n    unidentified: native\n"
    "  other-flag:\n    percentage: 0.01\n    salt: s\n",
    "flags-empty": "version: 1\nflags:\n",
    "flags-bad-percentage": "version: 1\nflags:\n  native-transport:\n    percentage: 150\n",
    "flags-three-decimals": "version: 1\nflags:\n  native-transport:\n    percentage: 1.234\n",
    "flags-quoted-percentage": "version: 1\nflags:\n  native-transport:\n    percentage: \"5\"\n",
    "flags-duplicate-key": "version: 1\nflags:\n  native-transport:\n    percentage: 1\n    percentage: 2\n",
    "flags-unknown-key": "version: 1\nflags:\n  native-transport:\n    percentage: 1\n    colour: red\n",
    "flags-tab": "version: 1\nflags:\n\tnative-transport:\n    percentage: 1\n",
    "flags-anchors": "version: 1\nbase: &b {percentage: 3}\nflags:\n  native-transport: *b\n",
    "flags-version-2": "version: 2\nflags: {}\n",
    "flags-comment-after": "version: 1\nflags:\n  native-transport:\n    percentage: 7 # seven\n    enabled: yes\n",
    "apps-two": "version: 1\napps:\n  - packageName: com.example.a\n    publicUrl: https://a.example.com\n"
    "    apiKeySha256: " + hashlib.sha256(b"a").hexdigest() + "\n  - packageName: com.example.b\n    name: B\n"
    "    publicUrl: http://127.0.0.1:7011\n    apiKeySha256: " + hashlib.sha256(b"b").hexdigest() + "\n",
    "apps-duplicate": "version: 1\napps:\n  - {packageName: x, publicUrl: 'http://x', apiKeySha256: " + "0" * 64 + "}\n"
    "  - {packageName: x, publicUrl: 'http://y', apiKeySha256: " + "1" * 64 + "}\n",
    "apps-bad-url": "version: 1\napps:\n  - packageName: x\n    publicUrl: ftp://x\n    apiKeySha256: abc\n",
    "apps-empty": "version: 1\napps:\n",
    "not-yaml": "{{{: ]\n",
    "empty": "",
}
for name, text in config_seeds.items():
    write("config", name, text)

# --- jwt: tokens signed with the fuzz secret, and hostile ones ---------------------------------


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(payload, header=None, secret=SECRET, raw_payload=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    head = b64(json.dumps(header, separators=(",", ":")).encode())
    body = b64(raw_payload if raw_payload is not None else json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


valid = token({"email": "ada@example.com"})
jwt_seeds = {
    "valid": valid,
    "valid-exp": token({"email": "ada@example.com", "exp": FAR_FUTURE}),
    "app": token({"packageName": "com.example.notes", "apiKey": "notes-dev-key"}),
    "expired": token({"email": "ada@example.com", "exp": 1_000_000_000}),
    "nbf-future": token({"email": "ada@example.com", "nbf": FAR_FUTURE}),
    "iat-future": token({"email": "ada@example.com", "iat": FAR_FUTURE}),
    "alg-none": b64(b'{"alg":"none"}') + "." + b64(b'{"email":"ada@example.com"}') + ".",
    "alg-rs256": token({"email": "ada@example.com"}, header={"alg": "RS256"}),
    "wrong-secret": token({"email": "ada@example.com"}, secret=b"another-secret-another-secret-another-secret"),
    "padded": valid.split(".")[0] + "==." + valid.split(".")[1],
    "duplicate-email": token(None, raw_payload=b'{"email":"a@example.com","email":"b@example.com"}'),
    "email-not-string": token({"email": 42}),
    "email-empty": token({"email": ""}),
    "no-email": token({"sub": "ada"}),
    "two-parts": valid.rsplit(".", 1)[0],
    "garbage": "not.a.token",
}
for name, text in jwt_seeds.items():
    write("jwt", name, text)

# --- http: upgrade requests and other heads, with a chunking prefix ----------------------------


def upgrade(uri, extra=""):
    return (
        f"GET {uri} HTTP/1.1\r\nHost: turnout.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )


http_seeds = {
    "glasses-bearer": upgrade("/glasses-ws", f"Authorization: Bearer {valid}\r\n"),
    "glasses-query": upgrade(f"/glasses-ws?token={valid}&livekit=true"),
    "glasses-expired": upgrade("/glasses-ws", f"Authorization: Bearer {jwt_seeds['expired']}\r\n"),
    "glasses-no-token": upgrade("/glasses-ws"),
    "app-legacy": upgrade("/app-ws?userId=ada%40example.com"),
    "app-jwt": upgrade(
        "/tpa-ws", f"Authorization: Bearer {jwt_seeds['app']}\r\nX-User-Id: ada@example.com\r\nX-Session-Id: s-1\r\n"
    ),
    "app-empty-bearer": upgrade("/app-ws", "Authorization: Bearer\r\nX-User-Id: u\r\nX-Session-Id: s\r\n"),
    "forwarded": upgrade("/glasses-ws", "X-Forwarded-For: 203.0.113.7, 10.0.0.2\r\n"),
    "echo-not-enabled": upgrade("/echo-ws?stack=compat"),
    "version-12": upgrade("/glasses-ws").replace("Version: 13", "Version: 12"),
    "no-key": upgrade("/glasses-ws").replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
    "health": "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
    "health-keep-alive-then-upgrade": "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + upgrade("/glasses-ws"),
    "not-found": "GET /nope HTTP/1.0\r\n\r\n",
    "post-body": "POST /glasses-ws HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    "chunked-body": "POST /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "big-head": "GET / HTTP/1.1\r\nX-Pad: " + "a" * 2100 + "\r\n\r\n",
    "bad-request-line": "GET\r\n\r\n",
    "not-http": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
}
for name, text in http_seeds.items():
    write("http", name, ONE_READ + text.encode("latin-1"))
for name in ["glasses-bearer", "app-jwt", "health-keep-alive-then-upgrade"]:
    write("http", name + "-byte-at-a-time", BYTE_AT_A_TIME + http_seeds[name].encode())
    write("http", name + "-uneven", UNEVEN + http_seeds[name].encode())
