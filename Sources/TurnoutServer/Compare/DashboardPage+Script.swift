extension DashboardPage {
    /// The page's script: plain DOM and SVG, no library. Figures carry `data-figure` attributes
    /// (`native.messagesInPerSecond`) and the body `data-updates`, `data-samples` and
    /// `data-percentage`, for the browser test (scripts/dashboard-browser-test.sh).
    static let script = #"""
        "use strict";
        const rows = [
          ["open connections", s => s.connections.open.total, "connections.open.total", 0, false],
          ["opened", s => s.connections.opened.total, "connections.opened.total", 0, false],
          ["messages in/s", s => s.messagesInPerSecond, "messagesInPerSecond", 1, false],
          ["messages out/s", s => s.messagesOutPerSecond, "messagesOutPerSecond", 1, false],
          ["bytes in/s", s => s.bytesInPerSecond, "bytesInPerSecond", 0, false],
          ["bytes out/s", s => s.bytesOutPerSecond, "bytesOutPerSecond", 0, false],
          ["handling p50 (µs)", s => s.handling.p50Microseconds, "handling.p50Microseconds", 1, true],
          ["handling p90 (µs)", s => s.handling.p90Microseconds, "handling.p90Microseconds", 1, true],
          ["handling p99 (µs)", s => s.handling.p99Microseconds, "handling.p99Microseconds", 1, true],
          ["abnormal closes per connection-minute", s => s.abnormalCloses.perConnectionMinute, "abnormalCloses.perConnectionMinute", 4, true],
          ["backpressure events", s => s.backpressure.total, "backpressure.total", 0, true],
          ["closes", s => s.closes.total, "closes.total", 0, false],
        ];
        const charts = [
          ["open connections", "open"],
          ["messages in/s", "messagesInPerSecond"],
          ["handling p99 (µs)", "p99Microseconds"],
          ["abnormal closes per connection-minute", "abnormalPerConnectionMinute"],
          ["backpressure events/s", "backpressurePerSecond"],
        ];
        const svgNS = "http://www.w3.org/2000/svg";
        const $ = id => document.getElementById(id);
        let last = null;

        function text(value, decimals) {
          if (value === null || value === undefined) return "–";
          return value.toFixed(decimals);
        }

        function element(name, attributes, content) {
          const node = name === "svg" || name === "polyline" || name === "line" || name === "text"
            ? document.createElementNS(svgNS, name) : document.createElement(name);
          for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
          if (content !== undefined) node.textContent = content;
          return node;
        }

        function renderFlag(flags, history) {
          const flag = (flags.snapshot.flags || []).find(f => f.name === "native-transport") || flags.snapshot.flags[0];
          const details = $("flag-details");
          details.replaceChildren();
          if (!flag) return null;
          const rolledBack = !!(flag.guard && flag.guard.state === "tripped" && flag.guard.trip.action === "rollback");
          const effective = flag.enabled && !rolledBack ? flag.percentage : 0;
          renderGuard(flag.guard);
          const entries = [
            ["flag", flag.name], ["enabled", String(flag.enabled)], ["percentage", `${flag.percentage} %`],
            ["endpoints", flag.endpoints.join(", ")],
            ["pinned native", flag.users.native.length ? flag.users.native.join(", ") : "none"],
            ["pinned compat", flag.users.compat.length ? flag.users.compat.join(", ") : "none"],
            ["unidentified", flag.unidentified], ["on change", flag.on_change],
            ["file", `${flags.file} (generation ${flags.generation}, loaded ${flags.loadedAt})`],
          ];
          for (const [key, value] of entries) {
            details.append(element("dt", {}, key));
            details.append(element("dd", key === "percentage" ? { id: "flag-percentage" } : {}, value));
          }
          const reload = flags.lastReload;
          $("reload").textContent = reload
            ? `last reload ${reload.at}: ${reload.result} (${reload.trigger})${reload.error ? " — " + reload.error : ""}` : "no reload since start";
          $("reload").className = reload && !reload.ok ? "error" : "meta";
          renderHistory(history);
          document.body.dataset.percentage = String(effective);
          return effective;
        }

        // The ramp guard: armed with its run of bad windows, or tripped with the signal and figures.
        function renderGuard(report) {
          const node = $("guard");
          if (!report) {
            node.textContent = "guard: none (no guard: block on this flag)";
            node.className = "meta";
          } else if (report.state === "tripped") {
            const trip = report.trip;
            node.textContent = `guard: TRIPPED on ${trip.signal} at ${trip.at} (${trip.action}${trip.action === "rollback" ? ": native at 0 % until the flag is edited or the guard reset" : ""}): ${trip.summary}`;
            node.className = "error";
          } else {
            const policy = report.policy || {};
            node.textContent = `guard: ${report.state}, ${report.badWindows || 0} bad window(s) in a row, ${report.windowsJudged || 0} judged (window ${policy.window}, action ${policy.action})`;
            node.className = "meta";
          }
        }

        // The last five reloads, newest first, each with its diff (`flag.key: old → new`) or error.
        function renderHistory(history) {
          const list = $("history");
          list.replaceChildren();
          for (const entry of (history?.entries ?? []).slice(0, 5)) {
            const what = entry.ok ? (entry.changes.length ? entry.changes.join("; ") : entry.result) : entry.error;
            list.append(element("li", { class: entry.ok ? "" : "error" }, `${entry.at} (${entry.trigger}): ${what}`));
          }
        }

        function renderTable(compare, windowName, percentage) {
          const window = compare.windows[windowName];
          const body = document.querySelector("#figures tbody");
          body.replaceChildren();
          for (const [label, value, path, decimals, lowerIsBetter] of rows) {
            const compat = value(window.compat), native = value(window.native);
            const ratio = compat ? native / compat : null;
            const row = element("tr");
            row.append(element("td", {}, label));
            row.append(element("td", { "data-figure": `compat.${path}` }, text(compat, decimals)));
            row.append(element("td", { "data-figure": `native.${path}` }, text(native, decimals)));
            const ratioCell = element("td", { "data-figure": `ratio.${path}` }, ratio === null || !isFinite(ratio) ? "–" : ratio.toFixed(2));
            if (lowerIsBetter && ratio !== null && (ratio > 1.2 || (!compat && native > 0))) ratioCell.className = "worse";
            if (lowerIsBetter && ratio !== null && ratio < 0.83) ratioCell.className = "better";
            row.append(ratioCell);
            body.append(row);
          }
          const refusals = window.upgradeRefusals;
          $("refusals").textContent = `${window.seconds.toFixed(0)} s window · upgrade refusals (before any stack is chosen): ${refusals.total}`;
          const compatOpen = window.compat.connections.open.total, nativeOpen = window.native.connections.open.total;
          const total = compatOpen + nativeOpen;
          const share = total ? 100 * nativeOpen / total : null;
          const shareText = share === null ? "no connections" : `${share.toFixed(1)} % of ${total} connections`;
          $("share").innerHTML = "";
          $("share").append("native share: ", element("strong", { id: "native-share" }, shareText), ` · flag: ${percentage ?? "–"} %`);
          $("share").className = share !== null && percentage !== null && total >= 20 && Math.abs(share - percentage) > 10 ? "share off" : "share";
        }

        function renderCharts(series) {
          const box = $("charts");
          box.replaceChildren();
          const width = 340, height = 150, left = 44, right = 8, top = 10, bottom = 22;
          const span = Math.max(900, ...series.secondsAgo);
          for (const [title, key] of charts) {
            const values = [...series.compat[key], ...series.native[key]].filter(v => v !== null);
            const largest = Math.max(0, ...values);
            const high = largest > 0 ? largest * 1.1 : 1;
            const svg = element("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, "data-chart": key });
            svg.append(element("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis" }));
            svg.append(element("line", { x1: left, y1: top, x2: left, y2: height - bottom, class: "axis" }));
            svg.append(element("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, high >= 10 ? Math.round(high) : high.toPrecision(2)));
            svg.append(element("text", { x: left - 4, y: height - bottom, "text-anchor": "end" }, "0"));
            svg.append(element("text", { x: left, y: height - 6 }, "−15 min"));
            svg.append(element("text", { x: width - right, y: height - 6, "text-anchor": "end" }, "now"));
            for (const stack of ["compat", "native"]) {
              const points = [];
              series[stack][key].forEach((value, index) => {
                if (value === null) return;
                const x = left + (width - left - right) * (1 - series.secondsAgo[index] / span);
                const y = top + (height - top - bottom) * (1 - value / high);
                points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
              });
              svg.append(element("polyline", { points: points.join(" "), class: stack, "data-stack": stack }));
            }
            const figure = element("figure");
            figure.append(svg, element("figcaption", {}, title));
            box.append(figure);
          }
        }

        async function refresh() {
          try {
            const [compare, flags, history] = await Promise.all([
              fetch("/admin/compare?series=1", { cache: "no-store" }).then(r => { if (!r.ok) throw new Error(`/admin/compare: HTTP ${r.status}`); return r.json(); }),
              fetch("/admin/flags", { cache: "no-store" }).then(r => { if (!r.ok) throw new Error(`/admin/flags: HTTP ${r.status}`); return r.json(); }),
              fetch("/admin/flags/history", { cache: "no-store" }).then(r => { if (!r.ok) throw new Error(`/admin/flags/history: HTTP ${r.status}`); return r.json(); }),
            ]);
            last = { compare, flags, history };
            render();
            document.body.dataset.samples = String(compare.samples);
            document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
            $("status").textContent = `updated ${new Date().toISOString()} · ${compare.samples} samples every ${compare.intervalSeconds} s`;
            $("status").className = "meta";
          } catch (error) {
            $("status").textContent = `could not update: ${error.message}`;
            $("status").className = "error";
          }
        }

        function render() {
          if (!last) return;
          const percentage = renderFlag(last.flags, last.history);
          renderTable(last.compare, $("window").value, percentage);
          renderCharts(last.compare.series);
        }

        $("window").addEventListener("change", render);
        refresh();
        setInterval(refresh, 2000);
        """#
}
