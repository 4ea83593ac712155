#!/usr/bin/env python3
"""The baseline for bench/info.sh: what `midthought-cli info` does, in plain
Python: parse every line, split reasoning from answer, count and report."""
import json
import sys

REASONING = ("reasoning", "reasoning_content", "reasoning_trace", "thinking")
COMPLETION = ("full_response", "output", "completion", "response")

traces = skipped = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for number, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            skipped += 1
            print(f"line {number}: {e}", file=sys.stderr)
            continue
        text = next((record[k] for k in COMPLETION if isinstance(record.get(k), str)), None)
        if text is not None:
            reasoning, _, answer = text.partition("</think>")
            reasoning = reasoning.replace("<think>", "", 1)
        else:
            reasoning = next((record[k] for k in REASONING if isinstance(record.get(k), str)), "")
            answer = record.get("content", "")
        traces += 1
print(json.dumps({"traces": traces, "skipped": skipped}))
