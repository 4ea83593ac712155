#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The baseline of bench/plot.sh: the accuracy chart of a lab file drawn with
matplotlib, doing the same job as `midthought-cli plot --chart accuracy
--format pdf`: read the lab, grade every oracle and branch by its last
\\boxed{} answer, group the branches by kind and X, bootstrap a 95% interval
(1000 resamples) per group, and draw lines, bands and the oracle's accuracy
with the legend outside the plot.

Usage: plot-baseline.py LAB.mtlab OUT.pdf
"""
import json
import sys

import matplotlib

matplotlib.use("pdf")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

RESAMPLES = 1000
SEED = 2510117


def boxed(text):
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, i = 1, start + len("\\boxed{")
    begin = i
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[begin:i - 1].strip() if depth == 0 else None


def main():
    lab, out = sys.argv[1], sys.argv[2]
    problems, traces, branches = {}, {}, []
    with open(lab) as f:
        next(f)
        for line in f:
            record = json.loads(line)
            kind = record.get("type")
            if kind == "problem":
                problems[record["id"]] = record
            elif kind == "trace":
                traces[record["id"]] = record
            elif kind == "branch":
                branches.append(record)

    def correct(record, update):
        problem = problems.get(record.get("problem_id"))
        if problem is None:
            return None
        truth = problem.get("update_answer") if update else None
        truth = truth or problem.get("answer")
        return boxed(record.get("answer", "")) == truth

    groups, oracles = {}, {}
    for branch in branches:
        interrupt = branch["interrupt"]
        key = (interrupt["kind"], round(interrupt["fraction"], 2))
        verdict = correct(branch, interrupt["kind"].endswith("update"))
        if verdict is not None:
            groups.setdefault(key, []).append(verdict)
        parent = traces.get(branch["parent_id"])
        if parent is not None and parent["id"] not in oracles:
            oracles[parent["id"]] = correct(parent, False)

    rng = np.random.default_rng(SEED)
    fig, ax = plt.subplots(figsize=(640 / 72, 400 / 72))
    for index, kind in enumerate(sorted({k for k, _ in groups})):
        xs = sorted(x for k, x in groups if k == kind)
        ys, lows, highs = [], [], []
        for x in xs:
            outcomes = np.array(groups[(kind, x)], dtype=float)
            samples = rng.choice(outcomes, size=(RESAMPLES, len(outcomes))).mean(axis=1)
            ys.append(outcomes.mean())
            lows.append(np.percentile(samples, 2.5))
            highs.append(np.percentile(samples, 97.5))
        line, = ax.plot(xs, ys, marker="osd^v"[index % 5],
                        linestyle=["-", "--", ":", "-."][index % 4], label=kind)
        ax.fill_between(xs, lows, highs, color=line.get_color(), alpha=0.18)
    graded = [v for v in oracles.values() if v is not None]
    if graded:
        ax.axhline(sum(graded) / len(graded), color="grey", linestyle=(0, (10, 3)),
                   label="Oracle")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Interrupt position X (fraction of the reasoning)")
    ax.set_ylabel("Accuracy (Pass@1)")
    ax.set_title("Accuracy after an interrupt", loc="left", fontweight="bold")
    ax.grid(True, color="#e6e6e8")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main()
