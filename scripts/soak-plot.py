#!/usr/bin/env python3
"""Draws a soak's samples (the CSV of `turnout bench --churn --samples`) as one SVG.

Three panels over the run's minutes: the server's RSS (MiB), its open descriptors and its
threads, each with the warm-up shaded (it is shown, never judged) and, for RSS, the 5 % band
above the first judged samples' median. Standard library only.

Usage: scripts/soak-plot.py SAMPLES.csv --warmup SECONDS [--title TEXT] > OUT.svg
"""
import argparse
import csv
import statistics
import sys
from xml.sax.saxutils import escape

WIDTH, PANEL, GAP, LEFT, RIGHT, TOP = 760, 170, 46, 78, 24, 44


def load(path):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        sys.exit(f"{path}: no samples")
    return [{key: float(value) for key, value in row.items()} for row in rows]


def ticks(low, high, count=4):
    if high <= low:
        high = low + 1
    step = (high - low) / count
    return [low + step * index for index in range(count + 1)]


def panel(out, index, rows, key, label, scale, warmup, band=None, decimals=1):
    top = TOP + index * (PANEL + GAP)
    xs = [row["elapsed_s"] / 60 for row in rows]
    ys = [row[key] * scale for row in rows]
    x_max = max(xs) if max(xs) > 0 else 1
    values = ys + ([band[0], band[1]] if band else [])
    y_low, y_high = min(values), max(values)
    pad = max((y_high - y_low) * 0.15, abs(y_high) * 0.01, 1)
    y_low, y_high = y_low - pad, y_high + pad
    inner = WIDTH - LEFT - RIGHT

    def x(value):
        return LEFT + inner * value / x_max

    def y(value):
        return top + PANEL - PANEL * (value - y_low) / (y_high - y_low)

    out.append(f'<text x="{LEFT}" y="{top - 8}" font-weight="bold">{escape(label)}</text>')
    warm = min(warmup / 60, x_max)
    out.append(f'<rect x="{x(0):.1f}" y="{top}" width="{x(warm) - x(0):.1f}" height="{PANEL}" fill="#eeeeee"/>')
    if index == 0:
        out.append(f'<text x="{x(0) + 4:.1f}" y="{top + 14}" fill="#777">warm-up</text>')
    if band:
        out.append(
            f'<rect x="{x(warm):.1f}" y="{y(band[1]):.1f}" width="{x(x_max) - x(warm):.1f}" '
            f'height="{y(band[0]) - y(band[1]):.1f}" fill="#dff0d8"/>'
        )
    out.append(f'<rect x="{LEFT}" y="{top}" width="{inner}" height="{PANEL}" fill="none" stroke="#999"/>')
    for value in ticks(y_low, y_high):
        out.append(f'<line x1="{LEFT - 4}" x2="{LEFT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#999"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.{decimals}f}</text>')
    for value in ticks(0, x_max, 6):
        text = f"{value:.0f}" if x_max >= 6 else f"{value:.1f}"
        out.append(f'<text x="{x(value):.1f}" y="{top + PANEL + 16}" text-anchor="middle">{text}</text>')
    points = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in zip(xs, ys))
    out.append(f'<polyline points="{points}" fill="none" stroke="#1f77b4" stroke-width="1.6"/>')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples")
    parser.add_argument("--warmup", type=float, required=True, help="seconds of warm-up (shaded, not judged)")
    parser.add_argument("--title", default="turnout soak: server resources at the end of every step")
    args = parser.parse_args()
    rows = load(args.samples)
    judged = [row for row in rows if row["elapsed_s"] >= args.warmup]
    band = None
    if judged:
        base = statistics.median(row["rss_kib"] for row in judged[:3]) / 1024
        band = (base, base * 1.05)
    height = TOP + 3 * (PANEL + GAP) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="14">{escape(args.title)}</text>',
    ]
    panel(out, 0, rows, "rss_kib", "RSS (MiB); green: the 5 % allowed above the first judged samples", 1 / 1024, args.warmup, band)
    panel(out, 1, rows, "fds", "open descriptors", 1, args.warmup, decimals=0)
    panel(out, 2, rows, "threads", "threads", 1, args.warmup, decimals=0)
    out.append(f'<text x="{WIDTH - RIGHT}" y="{height - 4}" text-anchor="end">minutes</text>')
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
