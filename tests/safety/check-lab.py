#!/usr/bin/env python3
"""Checks a lab file written by a sweep against what the fake server
(fake-openai.py) sent. Used by kill-loop.sh after each SIGKILL and at the
end; keeps what it learnt between calls in a state file.

    check-lab.py after-kill STATE LAB STATS_URL KILL_TIME
    check-lab.py final STATE LAB STATS_URL N_ITEMS

Prints one line of figures on stdout; on a failure prints the reason on
stdout and exits 1."""
import hashlib
import json
import os
import re
import sys
import time
import urllib.request

# The runner writes a streaming trace at most every second. The loss is
# measured from the server's side, against what it sent: on a loaded
# machine the sweep may not have read or written for a while when it is
# killed, so the check allows for scheduling; the figures printed are the
# measured ones (tests/safety/README.md).
MAX_LOSS_SECONDS = 1.0
SCHEDULING_SLACK = 3.0


def fail(message):
    print(message)
    sys.exit(1)


def stats(url, settle=True):
    """The server's requests, once none is still open (the server notices a
    dead client at its next write)."""
    deadline = time.time() + 30
    while True:
        with urllib.request.urlopen(url, timeout=30) as reply:
            requests = json.load(reply)['requests']
        if not settle or all(r['state'] != 'open' for r in requests) or time.time() > deadline:
            return requests
        time.sleep(0.05)


def read_lab(path):
    """Records by id, the last one winning, and the finished ids. A torn
    last line is allowed only for a streaming snapshot."""
    with open(path, 'rb') as f:
        data = f.read()
    lines = data.split(b'\n')
    torn = lines[-1]
    records = {}
    finished = {}
    for raw in lines[1:-1]:
        if not raw:
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            fail('a complete line of the lab is not JSON: %r' % raw[:120])
        if record.get('type') not in ('trace', 'branch'):
            continue
        records[record['id']] = record
        if not record.get('partial'):
            if record['id'] in finished:
                fail('%s is finished twice in the lab' % record['id'])
            finished[record['id']] = record
    if torn:
        if b'"partial":true' not in torn and b'"type":"problem"' not in torn:
            fail('the lab ends in a torn line that is not a streaming snapshot: %r' % torn[:120])
    return records, finished, len(torn)


def key_of(record):
    seed = record.get('sampling', {}).get('seed', -1)
    return hashlib.sha256(('%s\0%s' % (record.get('prompt', ''), seed)).encode()).hexdigest()[:16]


def words_kept(record, key):
    text = record.get('reasoning', '') + ' ' + record.get('answer', '')
    return len(re.findall(r'\bw%s\d+\b' % key[:4], text))


def load_state(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {'finished': {}, 'kills': 0, 'max_loss': 0.0, 'lost_tokens': [], 'checked': 0}


def save_state(path, state):
    with open(path + '.tmp', 'w') as f:
        json.dump(state, f)
    os.replace(path + '.tmp', path)


def after_kill(state_path, lab, url, kill_time):
    state = load_state(state_path)
    requests = stats(url)
    records, finished, torn = read_lab(lab)

    # No finished record is ever lost, and each holds all the server sent.
    for record_id in state['finished']:
        if record_id not in finished:
            fail('finished record %s is gone after the kill' % record_id)
    by_key = {}
    for r in requests:
        by_key.setdefault(r['key'], []).append(r)
    for record_id, record in finished.items():
        key = key_of(record)
        sent = [r for r in by_key.get(key, []) if r['state'] == 'finished']
        if not sent:
            fail('%s is finished in the lab but the server never finished it' % record_id)
        if words_kept(record, key) != len(sent[-1]['tokens']) - 2:
            fail('%s is finished but holds %d of %d tokens' %
                 (record_id, words_kept(record, key), len(sent[-1]['tokens']) - 2))
        if record_id not in state['finished']:
            state['finished'][record_id] = time.time()

    # Streams the kill cut: how much of what the server sent is not in the lab.
    keys_in_lab = {key_of(r): r for r in records.values()}
    worst = 0.0
    lost_here = 0
    lost_bytes = 0
    for r in requests[state['checked']:]:
        if r['state'] != 'abandoned':
            continue
        record = keys_in_lab.get(r['key'])
        kept = words_kept(record, r['key']) if record else 0
        times = r['times']
        if kept < len(times):
            loss = max(0.0, kill_time - times[kept])
            lost_here += len(times) - kept
            lost_bytes += sum(len(t.encode()) for t in r['tokens'][kept:])
            worst = max(worst, loss)
    state['checked'] = len(requests)
    state['kills'] += 1
    state['max_loss'] = max(state['max_loss'], worst)
    state['lost_tokens'].append(lost_here)
    state.setdefault('lost_bytes', []).append(lost_bytes)
    save_state(state_path, state)
    if worst > MAX_LOSS_SECONDS + SCHEDULING_SLACK:
        fail('the kill lost %.2f s of a stream (allowed %.1f s plus %.1f s of scheduling)' %
             (worst, MAX_LOSS_SECONDS, SCHEDULING_SLACK))
    print('%d finished, %d streaming records; lost %.2f s at most (%d tokens, %d bytes)%s' %
          (len(finished), len(records) - len(finished), worst, lost_here, lost_bytes,
           ', torn snapshot skipped' if torn else ''))


def final(state_path, lab, url, n_items, final_start):
    state = load_state(state_path)
    requests = stats(url, settle=False)
    records, finished, torn = read_lab(lab)
    if torn:
        fail('the lab ends in a torn line after a clean finish')
    if len(finished) != n_items:
        fail('%d of %d items finished' % (len(finished), n_items))

    # Nothing recorded as finished was ever asked for again.
    finished_keys = {}
    for record_id, seen in state['finished'].items():
        finished_keys[key_of(finished[record_id])] = seen
    for r in requests:
        seen = finished_keys.get(r['key'])
        if seen is not None and r['start'] > seen:
            fail('a request for an item already finished in the lab was sent again')

    # The last run did the rest, each exactly once.
    last = [r for r in requests if r['start'] >= final_start]
    keys = [r['key'] for r in last]
    if len(keys) != len(set(keys)):
        fail('the resumed sweep sent an item twice')
    before = len(state['finished'])
    if len(last) != n_items - before:
        fail('the resumed sweep sent %d requests for %d unfinished items' %
             (len(last), n_items - before))
    if any(r['state'] != 'finished' for r in last):
        fail('a request of the resumed sweep did not finish')
    lost = state['lost_tokens']
    lost_bytes = state.get('lost_bytes', [])
    print('%d kills; finished before the last run %d, done by it %d; worst loss %.2f s; '
          'lost per kill (all streams): mean %.1f tokens / %.0f bytes, max %d tokens / %d bytes; '
          '%d requests in all' %
          (state['kills'], before, len(last), state['max_loss'],
           sum(lost) / max(1, len(lost)), sum(lost_bytes) / max(1, len(lost_bytes)),
           max(lost or [0]), max(lost_bytes or [0]), len(requests)))


if __name__ == '__main__':
    if sys.argv[1] == 'after-kill':
        after_kill(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        final(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
