#!/usr/bin/env bash
# Checks the Prometheus and Grafana files under deploy/ with promtool (Debian's `prometheus`
# package): the rules' syntax, their unit tests (a native regression and a healthy ramp), and
# the syntax of every PromQL expression in the Grafana dashboard (with its variables filled in).
# Usage: scripts/promtool-check.sh     (from anywhere; exits non-zero on any failure)
set -euo pipefail
cd "$(dirname "$0")/../deploy"

if ! command -v promtool >/dev/null; then
    echo "promtool not found: apt-get install -y prometheus (README, Set up)" >&2
    exit 2
fi
promtool check rules prometheus/turnout-rules.yml
promtool test rules prometheus/turnout-rules.test.yml

# The dashboard's expressions, as recording rules promtool can parse.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3 - grafana/turnout-ab.json >"$scratch/dashboard-rules.yml" <<'PY'
import json, sys

variables = {"$__rate_interval": "1m", "$__range": "1h", "$instance": ".*", "$flag": "native-transport", "$stack": "native"}

def expressions(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            elif key == "query" and isinstance(value, dict) and isinstance(value.get("query"), str):
                yield value["query"]
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for value in node:
            yield from expressions(value)

print("groups:\n  - name: dashboard\n    rules:")
for index, expr in enumerate(expressions(json.load(open(sys.argv[1])))):
    if expr.startswith("label_values("):
        metric = expr[len("label_values("):].split(",")[0].strip()
        expr = f"count by (instance, flag) ({metric})"
    for name, value in variables.items():
        expr = expr.replace(name, value)
    print(f"      - record: dashboard:expression_{index}\n        expr: {json.dumps(expr)}")
PY
echo "Grafana dashboard expressions:"
promtool check rules "$scratch/dashboard-rules.yml"
