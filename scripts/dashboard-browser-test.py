#!/usr/bin/env python3
"""The admin dashboard in a real browser: headless Chromium (Debian's package) driven over the
DevTools protocol, with Python's standard library only.

Usage: scripts/dashboard-browser-test.py --admin-url http://127.0.0.1:PORT --flags FLAGS.yaml
                                         [--screenshot docs/a-b-dashboard.png] [--settle SECONDS]

Opens the page, waits for its charts, checks that its figures match /admin/compare within
rounding, saves a screenshot, then edits the flag file and checks that the page shows the new
percentage within 5 s. Exits 1 on any failure. scripts/dashboard-browser-test.sh starts the
server and the load first.
"""
import argparse, base64, json, os, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request


class DevTools:
    """A minimal WebSocket client (RFC 6455, text frames) speaking the Chrome DevTools protocol."""

    def __init__(self, url):
        host_port, path = url[len("ws://"):].split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(1)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError(f"DevTools refused the upgrade: {response!r}")
        self.next_id = 0

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            data += chunk
        return data

    def _receive(self):
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            message += payload
            if first & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        payload = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while True:
            message = self._receive()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")


def wait_for(description, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {description}")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def figure(stack, path):
    value = stack
    for key in path.split("."):
        value = value[key]
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", required=True)
    parser.add_argument("--flags", required=True, help="the server's flags.yaml, edited during the test")
    parser.add_argument("--screenshot", default="reports/dashboard.png")
    parser.add_argument("--settle", type=float, default=0, help="seconds of history to gather before the screenshot")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()

    profile = tempfile.mkdtemp(prefix="turnout-chromium-")
    browser = subprocess.Popen(
        [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "--window-size=1280,1500", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        wait_for("Chromium's DevTools port", lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30)
        port = open(port_file).read().split()[0]
        page = wait_for("a page target", lambda: next(
            (t for t in get_json(f"http://127.0.0.1:{port}/json/list") if t.get("type") == "page"), None), 10)
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Page.navigate", url=args.admin_url.rstrip("/") + "/")

        # The charts: five, each with a line per stack; two updates so the series has moved.
        wait_for("the charts", lambda: tools.evaluate(
            "(() => { const lines = [...document.querySelectorAll('svg[data-chart] polyline')];"
            " return lines.length === 10 && lines.every(l => l.getAttribute('points').split(' ').length >= 2); })()"), 30)
        print("dashboard: charts drawn")

        # The figures against /admin/compare, read from the same sample.
        checked = 0
        for _ in range(20):
            page_figures = tools.evaluate(
                "JSON.stringify({samples: document.body.dataset.samples, figures: Object.fromEntries("
                "[...document.querySelectorAll('[data-figure]')].map(e => [e.dataset.figure, e.textContent]))})")
            shown = json.loads(page_figures)
            compare = get_json(args.admin_url.rstrip("/") + "/admin/compare")
            if str(compare["samples"]) != shown["samples"] or compare["samples"] >= compare["capacity"]:
                time.sleep(0.3)
                continue
            window = compare["windows"]["1m"]
            for key, text in shown["figures"].items():
                stack, path = key.split(".", 1)
                if stack == "ratio":
                    continue
                expected = figure(window[stack], path)
                if expected is None:
                    assert text == "–", f"{key}: page shows {text}, /admin/compare has null"
                else:
                    decimals = len(text.split(".")[1]) if "." in text else 0
                    assert abs(float(text) - expected) <= 0.5 * 10 ** -decimals + 1e-9, f"{key}: page {text}, /admin/compare {expected}"
                checked += 1
            break
        assert checked >= 20, f"compared only {checked} figures with /admin/compare"
        traffic = [figure(get_json(args.admin_url.rstrip("/") + "/admin/compare")["windows"]["1m"][s], "messagesInPerSecond")
                   for s in ("compat", "native")]
        assert all(rate and rate > 0 for rate in traffic), f"expected traffic on both stacks, got {traffic}"
        print(f"dashboard: {checked} figures match /admin/compare (messages in/s compat {traffic[0]}, native {traffic[1]})")

        # The screenshot, after --settle seconds of history.
        time.sleep(args.settle)
        shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        os.makedirs(os.path.dirname(args.screenshot) or ".", exist_ok=True)
        with open(args.screenshot, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
        print(f"dashboard: screenshot saved to {args.screenshot}")

        # The guard line shows the live guard: armed, with windows judged.
        wait_for("the guard armed with windows judged", lambda: tools.evaluate(
            "/^guard: armed, \\d+ bad window\\(s\\) in a row, [1-9]\\d* judged \\(window 1s, action alert\\)$/"
            ".test(document.getElementById('guard')?.textContent ?? '')"), 5)
        print("dashboard: " + tools.evaluate("document.getElementById('guard').textContent"))

        # A flag edit shows on the page within 5 s.
        text = open(args.flags).read()
        old = next(line for line in text.splitlines() if line.strip().startswith("percentage:"))
        new_percentage = "37" if "37" not in old else "42"
        temporary = args.flags + ".tmp"
        with open(temporary, "w") as file:
            file.write(text.replace(old, old.split(":")[0] + ": " + new_percentage))
        os.rename(temporary, args.flags)
        edited = time.monotonic()
        wait_for(f"percentage {new_percentage} on the page", lambda: tools.evaluate(
            f"document.getElementById('flag-percentage')?.textContent === '{new_percentage} %'"), 5)
        print(f"dashboard: the flag edit showed after {time.monotonic() - edited:.1f} s")
        # The reload history lists the edit with its diff.
        old_percentage = old.split(":", 1)[1].strip()
        diff = f"percentage: {old_percentage} → {new_percentage}"
        wait_for(f"'{diff}' in the reload history", lambda: tools.evaluate(
            f"document.getElementById('history')?.textContent.includes({json.dumps(diff)})"), 5)
        print(f"dashboard: the reload history shows '{diff}'")
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print(f"dashboard browser test FAILED: {error}", file=sys.stderr)
        sys.exit(1)
