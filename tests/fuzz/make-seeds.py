#!/usr/bin/env python3
"""Writes the seed corpora of fuzz-lab-file and fuzz-render from small
slices of the real traces and problems in shared/data (PROVENANCE.md there)
and the model-family files in data/families. Run from the source root:

    tests/fuzz/make-seeds.py ../shared/data

Slices are cut short (a few hundred bytes of text each) so the seeds stay
small; tests/fuzz/README.md lists which file each seed comes from."""
import json
import os
import struct
import sys

shared = sys.argv[1] if len(sys.argv) > 1 else '../shared/data'
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def first_rows(relative, n):
    with open(os.path.join(shared, relative), encoding='utf-8') as f:
        return [json.loads(next(f)) for _ in range(n)]


def cut(text, n):
    return text[:n]


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), 'wb') as f:
        f.write(data.encode('utf-8') if isinstance(data, str) else data)


def line(record):
    return json.dumps(record, ensure_ascii=False, separators=(',', ':')) + '\n'


# fuzz-lab-file: lab files holding slices of real traces.
qwen = first_rows('traces/JesseRWeigel_thinking-traces/qwen3-8b__think-on.jsonl', 2)
deepseek = first_rows('traces/markyx316_LLM-Reasoning-Trace-Topology/math500_deepseek_r1.jsonl', 1)
gsm8k = first_rows('problems/gsm8k_test.jsonl', 1)
with open(os.path.join(shared, 'traces/JesseRWeigel_thinking-traces/items.json'),
          encoding='utf-8') as f:
    items = {item['id']: item for item in json.load(f)}
header = line({'midthought': 'lab', 'version': 1, 'created': '2026-11-29T08:00:00.000000Z',
               'generator': 'Midthought 0.1.0'})
lab_dir = os.path.join(here, 'corpus-lab-file')

records = []
for row in qwen:
    pid = row['item_id']
    records.append(line({'type': 'problem', 'id': pid, 'source': 'thinking-traces',
                         'domain': 'math', 'prompt': cut(items[pid]['prompt'], 200),
                         'answer': items[pid]['answer']}))
    reasoning = cut(row['thinking'], 400)
    words = [0] + [i + 1 for i, c in enumerate(reasoning) if c == ' ']
    records.append(line({'type': 'trace', 'id': 't-' + pid, 'problem_id': pid,
                         'model': 'qwen3:8b', 'family': 'qwen3', 'reasoning': reasoning,
                         'answer': cut(row['content'], 120), 'finish_reason': 'stop',
                         'tokens': {'source': 'stream', 'reasoning': words, 'answer': [0]}}))
write(lab_dir, 'qwen3-traces.mtlab', header + ''.join(records))

pid = 'math500-0'
ds = deepseek[0]
lab = header + line({'type': 'problem', 'id': pid, 'source': 'math500', 'domain': 'math',
                     'prompt': cut(ds['problem'], 200), 'answer': ds['ground_truth'],
                     'grader': 'math'})
lab += line({'type': 'trace', 'id': 'oracle', 'problem_id': pid, 'model': 'deepseek-reasoner',
             'family': 'deepseek-r1', 'reasoning': cut(ds['reasoning_trace'], 400),
             'answer': cut(ds['answer_text'], 120), 'finish_reason': 'stop'})
lab += line({'type': 'branch', 'id': 'oracle-b1', 'parent_id': 'oracle', 'problem_id': pid,
             'interrupt': {'kind': 'hard', 'role': 'assistant', 'token_index': 20,
                           'fraction': 0.3, 'text': 'I have to give the solution now.'},
             'reasoning': cut(ds['reasoning_trace'], 80), 'answer': '\\boxed{3}',
             'finish_reason': 'stop'})
# A streaming snapshot replaced by its final record, then one cut off.
snap = {'type': 'branch', 'id': 'oracle-b2', 'parent_id': 'oracle', 'problem_id': pid,
        'interrupt': {'kind': 'speedup', 'role': 'assistant', 'token_index': 40,
                      'fraction': 0.5, 'text': 'I will answer promptly.'},
        'reasoning': cut(ds['reasoning_trace'], 60), 'answer': '',
        'finish_reason': 'unknown', 'partial': True}
lab += line(snap)
snap = dict(snap, reasoning=cut(ds['reasoning_trace'], 90), partial=None)
del snap['partial']
snap['finish_reason'] = 'length'
lab += line(snap)
lab += line(dict(snap, id='oracle-b3', partial=True, finish_reason='unknown'))
write(lab_dir, 'deepseek-branches.mtlab', lab)

g = gsm8k[0]
write(lab_dir, 'gsm8k-torn.mtlab',
      header + line({'type': 'problem', 'id': 'gsm8k-0', 'source': 'gsm8k', 'domain': 'math',
                     'prompt': cut(g['question'], 200),
                     'answer': g['answer'].split('####')[-1].strip()})
      + '{"type":"trace","id":"t","problem_id":"gsm8k-0","reasoning":"' +
      cut(g['answer'], 40).replace('"', '').replace('\n', ' '))

# fuzz-render: control bytes, then problem, reasoning, text and family file
# separated by 0x1E (fuzz-render.c).
render_dir = os.path.join(here, 'corpus-render')
math = first_rows('problems/math500_test.jsonl', 1)[0]
families = sorted(f for f in os.listdir(os.path.join(root, 'data', 'families'))
                  if f.endswith('.json'))
kinds = ['hard', 'force-answer', 'speedup', 'update', 'guided-update', 'update-speedup',
         'budget-wait', 'no-thinking', 'custom']
for i, family in enumerate(families):
    with open(os.path.join(root, 'data', 'families', family), encoding='utf-8') as f:
        family_json = f.read()
    kind = i % len(kinds)
    control = bytes([i, kind, i % 2, 1, 0]) + struct.pack('<H', 18000) + bytes([i % 8])
    parts = [cut(math['problem'], 200), cut(ds['reasoning_trace'], 500),
             'Actually the number is 7.', family_json]
    write(render_dir, family[:-5] + '-' + kinds[kind],
          control + '\x1e'.join(parts).encode('utf-8'))
# Built-in families, every kind, at a token count, snapped.
for kind in range(len(kinds)):
    control = bytes([kind, kind, 0, kind % 3, 1]) + struct.pack('<H', 25) + bytes([1])
    parts = [cut(items[qwen[0]['item_id']]['prompt'], 200), cut(qwen[0]['thinking'], 500), 'Use 12 crates.']
    write(render_dir, 'builtin-' + kinds[kind],
          control + '\x1e'.join(parts).encode('utf-8'))

# fuzz-import: one seed per importer path the existing seeds did not reach.
import_dir = os.path.join(here, 'corpus-import')
aime = first_rows('problems/aime24_test.jsonl', 1)[0]
aime_qwq = first_rows('problems/aime25.jsonl', 1)[0]
write(import_dir, 'gsm8k.jsonl', line({'question': cut(g['question'], 200),
                                       'answer': cut(g['answer'], 120)}))
write(import_dir, 'math500.jsonl', line({k: (cut(v, 200) if isinstance(v, str) else v)
                                         for k, v in math.items()}))
write(import_dir, 'aime24.jsonl', line({k: (cut(v, 200) if isinstance(v, str) else v)
                                        for k, v in aime.items()}))
write(import_dir, 'aime25-qwq.jsonl', line({k: (cut(v, 200) if isinstance(v, str) else v)
                                            for k, v in aime_qwq.items()}))
# The Update-Interrupt benchmark's math fields, built from a GSM8K row.
write(import_dir, 'update-benchmark.jsonl',
      line({'id': 'gsm8k-0', 'source': 'gsm8k', 'original_problem': cut(g['question'], 200),
            'original_answer': g['answer'].split('####')[-1].strip(),
            'revised_problem': cut(g['question'], 200).replace('16', '20'),
            'update': 'The ducks lay 16 eggs per day, not 20.'}))
# Thinking off: an answer and a model, no reasoning.
off = first_rows('traces/JesseRWeigel_thinking-traces/qwen3-8b__think-off.jsonl', 1)[0]
write(import_dir, 'think-off.jsonl',
      line({'item_id': off['item_id'], 'model': off['model'], 'answer': cut(off['content'], 200),
            'done_reason': off['done_reason']}))
# A completion that starts inside the thinking block (no opener).
pilot = first_rows('traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_qwen7b.jsonl', 1)[0]
text = pilot.get('full_response') or ''
write(import_dir, 'missing-opener.jsonl',
      line({'problem_id': 'math500-0', 'model': 'DeepSeek-R1-Distill-Qwen-7B',
            'full_response': cut(text, 300) + '\n</think>\n\n' + cut(text[-100:], 100)}))
# Whole-file documents wrapped in an object, and a GPT-OSS harmony completion.
write(import_dir, 'wrapped.json',
      json.dumps({'data': [{'id': 'a', 'reasoning': cut(qwen[0]['thinking'], 200),
                            'answer': cut(qwen[0]['content'], 80)}]}, ensure_ascii=False))
write(import_dir, 'harmony.jsonl',
      line({'id': 'h', 'model': 'gpt-oss-20b',
            'completion': '<|channel|>analysis<|message|>' + cut(qwen[1]['thinking'], 200) +
            '<|end|><|start|>assistant<|channel|>final<|message|>' + cut(qwen[1]['content'], 80)}))
# A chat-completion response with reasoning_content.
write(import_dir, 'chat-reasoning-content.json',
      json.dumps({'id': 'chatcmpl-1', 'object': 'chat.completion', 'model': 'qwen3-8b',
                  'choices': [{'index': 0, 'finish_reason': 'stop',
                               'message': {'role': 'assistant',
                                           'reasoning_content': cut(qwen[0]['thinking'], 200),
                                           'content': cut(qwen[0]['content'], 80)}}]},
                 ensure_ascii=False))
