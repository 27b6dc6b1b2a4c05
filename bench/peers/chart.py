"""Draws `./hyperweave bench compare --json` results: steps/s per workload and thread count, ours vs PyTorch.

Usage: /usr/bin/python3 chart.py results.json out.png     (apt-get install python3-matplotlib)
"""
import json
import sys
import textwrap
from decimal import ROUND_HALF_UP, Decimal

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def two_places(x):
    """As the table rounds (Java's %.2f: half up on the shortest digits); Python's % rounds the binary value."""
    return Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def main():
    data = json.load(open(sys.argv[1]))
    rows = [r for r in data["rows"] if r["unit"] == "steps/s"]
    if not rows:
        sys.exit("no workload rows to draw")
    labels = ["%s\n%d thread%s" % (r["what"], r["threads"], "" if r["threads"] == 1 else "s") for r in rows]
    ours = [r["ours_median"] or 0 for r in rows]
    peer = [r["peer_median"] or 0 for r in rows]
    x = range(len(rows))
    w = 0.38
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    b1 = ax.bar([i - w / 2 for i in x], ours, w, label="Hyperweave (cpu)", color="#2a7ab8")
    b2 = ax.bar([i + w / 2 for i in x], peer, w, label="PyTorch (same machine, same run)", color="#d9822b")
    for bars in (b1, b2):
        for b in bars:
            if b.get_height() > 0:
                ax.annotate("%.1f" % b.get_height(), (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=8)
    for i, r in enumerate(rows):
        if r["ratio"]:
            ax.annotate("%sx" % two_places(r["ratio"]), (i, max(ours[i], peer[i]) * 1.08), ha="center", fontsize=9, fontweight="bold")
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels)
    ax.set_ylabel("training steps / s (median)")
    ax.set_ylim(0, max(ours + peer) * 1.25)
    ax.set_title("Training throughput, W1 and W2 (WORKLOADS.md)")
    ax.legend(loc="upper left")
    # The machine line is long: wrapped under the plot, outside tight_layout, which would otherwise
    # shrink the axes to make room for it on one line.
    machine = textwrap.wrap(data["machine"], 170)
    fig.text(0.01, 0.01, "\n".join(machine), ha="left", va="bottom", fontsize=6, color="#555")
    fig.tight_layout(rect=(0, 0.025 * len(machine) + 0.01, 1, 1))
    fig.savefig(sys.argv[2])


if __name__ == "__main__":
    main()
