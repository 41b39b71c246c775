/// The dashboard at `GET /` on the admin port: one self-contained page (HTML, CSS and plain
/// JavaScript drawing SVG), compiled into the binary, with no external asset, so it works in an
/// air-gapped staging.
///
/// Every 2 s it reads `/admin/compare?series=1`, `/admin/flags` and `/admin/flags/history` from the same origin and
/// shows the flag in force with its ramp guard (state, and a trip's signal and figures), native's share of connections against the flag's percentage, the
/// side-by-side table with native ÷ compat (coloured when native is worse) and five charts over
/// the last 15 minutes. The admin token rules apply to the page as to every admin path.
enum DashboardPage {
    /// The page.
    static let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Turnout A/B</title>
        <style>\(style)</style>
        </head>
        <body data-updates="0">
        <header>
        <h1>Turnout A/B: compat vs native</h1>
        <p id="status" class="meta">loading…</p>
        </header>
        <section id="flag">
        <h2>Flag in force</h2>
        <dl id="flag-details"></dl>
        <p id="share" class="share"></p>
        <p id="reload" class="meta"></p>
        <p id="guard" class="meta">guard: loading…</p>
        <h3>Last reloads</h3>
        <ul id="history"></ul>
        </section>
        <section>
        <h2>Side by side <select id="window"><option>1m</option><option>5m</option><option>15m</option></select></h2>
        <table id="figures"><thead><tr><th>figure</th><th>compat</th><th>native</th><th>native ÷ compat</th></tr></thead>
        <tbody></tbody></table>
        <p class="meta" id="refusals"></p>
        </section>
        <section>
        <h2>Last 15 minutes <span class="legend"><i class="compat"></i>compat <i class="native"></i>native</span></h2>
        <div id="charts"></div>
        </section>
        <script>\(script)</script>
        </body>
        </html>

        """

    private static let style = """
        body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:72em}\
        h1{font-size:1.4em;margin:0}h2{font-size:1.1em;margin:1.2em 0 .4em}\
        .meta{color:#555}.error{color:#c0392b}\
        dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:0}dt{color:#555}dd{margin:0}\
        .share{font-size:1.1em}.share.off{color:#c0392b;font-weight:bold}\
        table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25em .6em}\
        td:not(:first-child),th:not(:first-child){text-align:right;font-variant-numeric:tabular-nums}\
        td.worse{background:#fde2e0;color:#a0251a;font-weight:bold}td.better{background:#e3f4e6}\
        #charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(22em,1fr));gap:1em}\
        figure{margin:0}figcaption{color:#555;font-size:.9em}\
        svg text{font-size:11px;fill:#555}svg .axis{stroke:#bbb}\
        polyline{fill:none;stroke-width:2}.compat{stroke:#d9822b;background:#d9822b}.native{stroke:#2a6fdb;background:#2a6fdb}\
        .legend{font-weight:normal;font-size:.85em;color:#555}.legend i{display:inline-block;width:1.5em;height:.3em;\
        margin:0 .3em .2em .8em;vertical-align:middle}
        """
}
