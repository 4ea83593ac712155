#!/usr/bin/env python3
"""Counts test cases in meson's testlog.json and prints 'N passed, N failed'.

meson's log does not record a test's protocol, so TAP output is recognised
by its 'ok' / 'not ok' lines and counted case by case; a test without such
lines counts as one case. Exits 1 when anything failed or nothing ran."""
import json
import re
import sys

TAP_LINE = re.compile(r'^(not ok|ok)\b(.*)$')

passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path, encoding='utf-8') as log:
        for line in log:
            test = json.loads(line)
            result = test.get('result')
            cases = 0
            for out in (test.get('stdout') or '').splitlines():
                m = TAP_LINE.match(out.strip())
                if not m:
                    continue
                cases += 1
                rest = m.group(2)
                if '# SKIP' in rest.upper():
                    skipped += 1
                elif m.group(1) == 'ok' or '# TODO' in rest.upper():
                    passed += 1
                else:
                    failed += 1
            if cases == 0:
                if result in ('OK', 'EXPECTEDFAIL'):
                    passed += 1
                elif result == 'SKIP':
                    skipped += 1
                else:
                    failed += 1
            elif result not in ('OK', 'EXPECTEDFAIL', 'SKIP'):
                # A crash or a timeout after some cases passed still fails the run.
                failed += 1

print(f'{passed} passed, {failed} failed, {skipped} skipped')
sys.exit(0 if failed == 0 and passed > 0 else 1)
