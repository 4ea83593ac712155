#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a synthetic lab file for the plot benchmark: math problems, one
oracle per problem and interrupted branches of four kinds at the paper's
positions, with outcomes and lengths that follow the paper's trends
(accuracy rising with X, leakage after hard interrupts, panic after
speedups, doubt after updates). Deterministic for a given seed.

Usage: plot-make-lab.py OUT.mtlab N_BRANCHES [SEED]
"""
import json
import random
import sys

KINDS = ["hard", "force-answer", "speedup", "update"]
POSITIONS = [0.1, 0.3, 0.5, 0.7, 0.9]
FILLER = "so the next step follows from the previous one".split()


def words(rng, n, marker_rate=0.0):
    out = []
    for _ in range(n):
        if rng.random() < marker_rate:
            out.append(rng.choice(["Wait,", "Hmm,", "But wait,"]))
        else:
            out.append(rng.choice(FILLER))
    return " ".join(out)


def main():
    path, n_branches = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2510)
    per_problem = len(KINDS) * len(POSITIONS)
    n_problems = max(1, (n_branches + per_problem - 1) // per_problem)
    written = 0

    with open(path, "w") as out:
        out.write(json.dumps({"midthought": "lab", "version": 1,
                              "generator": "bench/plot-make-lab.py"}) + "\n")
        for p in range(n_problems):
            pid = f"p{p}"
            answer = str(rng.randint(1, 999))
            source = "math500" if p % 3 else "gsm8k"
            out.write(json.dumps({"type": "problem", "id": pid, "source": source,
                                  "domain": "math", "prompt": f"Problem {p}",
                                  "answer": answer, "grader": "numeric",
                                  "update": "Use the original numbers.",
                                  "update_answer": answer}) + "\n")
            oracle_right = rng.random() < 0.8
            reasoning_words = rng.randint(60, 120)
            oracle = {"type": "trace", "id": f"o{p}", "problem_id": pid, "model": "synth-8b",
                      "reasoning": words(rng, reasoning_words, 0.03),
                      "answer": "The answer is \\boxed{%s}." % (answer if oracle_right else "0"),
                      "finish_reason": "stop"}
            out.write(json.dumps(oracle) + "\n")
            for kind in KINDS:
                for x in POSITIONS:
                    if written == n_branches:
                        break
                    k = int(x * reasoning_words)
                    right = oracle_right and rng.random() < 0.35 + 0.6 * x
                    answer_words = 8
                    reasoning = words(rng, rng.randint(5, 40), 0.03)
                    if kind in ("hard", "force-answer"):
                        reasoning = ""
                        answer_words = int(8 * 2 ** rng.gauss(1.2 - x, 1.0))
                    elif kind == "speedup" and rng.random() < 0.3:
                        reasoning = ""
                    elif kind == "update" and rng.random() < 0.4:
                        reasoning = "Wait, the user provided an update, but " + reasoning
                        right = False
                    text = words(rng, max(answer_words, 0))
                    branch = {"type": "branch", "id": f"b{p}-{kind}-{int(x * 10)}",
                              "parent_id": oracle["id"], "problem_id": pid,
                              "interrupt": {"kind": kind, "role": "assistant",
                                            "token_index": k, "fraction": x, "text": ""},
                              "reasoning": reasoning,
                              "answer": text + " \\boxed{%s}" % (answer if right else "1"),
                              "finish_reason": "stop"}
                    out.write(json.dumps(branch) + "\n")
                    written += 1


if __name__ == "__main__":
    main()
