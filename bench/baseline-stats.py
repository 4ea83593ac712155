#!/usr/bin/env python3
"""The baseline for bench/stats.sh: the core of `midthought-cli stats` in
plain Python. Parse every line, split reasoning from answer, count the
marker lexicons (data/markers/*.json) with `re` the way Midthought matches
them, extract the last \\boxed{} answer and compare it with the truth, and
print a per-model table."""
import glob
import json
import os
import re
import sys
from collections import defaultdict

REASONING = ("reasoning", "reasoning_content", "reasoning_trace", "thinking")
COMPLETION = ("full_response", "output", "completion", "response")
TRUTH = ("ground_truth", "answer", "truth")
HERE = os.path.dirname(os.path.abspath(__file__))

# Word characters: letters, digits and marks in any script ("wait—" and
# "“Wait”" hold the word, "await" does not).
BEFORE = r"(?<![^\W_])"
AFTER = r"(?![^\W_])"


def phrase_pattern(phrase, first):
    parts = []
    for segment in " ".join(phrase.lower().split()).split(" ... "):
        body = "".join(r"\s+" if c == " " else r"\d+" if c == "#" else re.escape(c)
                       for c in segment)
        # The first segment's start is checked once, outside the alternation.
        if (segment[0].isalnum() or segment[0] == "#") and (parts or first):
            body = BEFORE + body
        if segment[-1].isalnum() or segment[-1] == "#":
            body += AFTER
        parts.append(body)
    return r".{0,200}?".join(parts)


def category_regex(phrases):
    words = [p for p in phrases if p[0].isalnum()]
    others = [p for p in phrases if not p[0].isalnum()]
    alternatives = []
    if words:
        body = "|".join(phrase_pattern(p, False) for p in words)
        alternatives.append(BEFORE + "(?:" + body + ")")
    alternatives += [phrase_pattern(p, True) for p in others]
    return re.compile("|".join(alternatives), re.I | re.S)


def load_lexicons():
    categories = []
    for path in sorted(glob.glob(os.path.join(HERE, "..", "data", "markers", "*.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        # Longest first: an alternation takes the first that matches.
        phrases = sorted(data["phrases"], key=len, reverse=True)
        categories.append((data["category"], data.get("scope", "all"), category_regex(phrases)))
    return categories


def last_boxed(text):
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    i, depth = start + len("\\boxed{"), 1
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j]
    return None


def normalize(answer):
    answer = re.sub(r"\s+|\$", "", answer).replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return answer.replace("\\left", "").replace("\\right", "").rstrip(".")


def main():
    categories = load_lexicons()
    models = defaultdict(lambda: {"traces": 0, "graded": 0, "correct": 0, "reasoning_chars": 0,
                                  "answer_chars": 0, "markers": defaultdict(int)})
    skipped = 0
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                skipped += 1
                continue
            text = next((record[k] for k in COMPLETION if isinstance(record.get(k), str)), None)
            if text is not None:
                reasoning, _, answer = text.partition("</think>")
                reasoning = reasoning.replace("<think>", "", 1)
            else:
                reasoning = next((record[k] for k in REASONING
                                  if isinstance(record.get(k), str)), "")
                answer = record.get("content", "") or ""

            model = models[record.get("model", "unknown")]
            model["traces"] += 1
            model["reasoning_chars"] += len(reasoning)
            model["answer_chars"] += len(answer)
            for name, scope, regex in categories:
                if scope in ("reasoning", "all"):
                    model["markers"][name] += len(regex.findall(reasoning))
                if scope in ("answer", "all"):
                    model["markers"][name] += len(regex.findall(answer))

            truth = next((record[k] for k in TRUTH if isinstance(record.get(k), str)), None)
            if truth is not None:
                model["graded"] += 1
                boxed = last_boxed(answer)
                if boxed is not None and normalize(boxed) == normalize(truth):
                    model["correct"] += 1

    names = [name for name, _, _ in categories]
    print("model", "traces", "graded", "correct", "reasoning_chars_mean", *names, sep="\t")
    for name, m in models.items():
        print(name, m["traces"], m["graded"], m["correct"],
              f"{m['reasoning_chars'] / m['traces']:.1f}",
              *(m["markers"][n] for n in names), sep="\t")
    if skipped:
        print(f"{skipped} lines skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
