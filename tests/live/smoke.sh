#!/bin/bash
# Smoke test of the live engine (tests/live/README.md): makes the GGUF, starts
# server.mjs on a free port, checks the API with curl, stops the server.
# Prints TAP. Needs node, curl and tests/live/node_modules (`make engine`).
set -u

here=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null 2>&1; then
  echo "1..0 # SKIP node not found"; exit 0
fi
if ! command -v curl >/dev/null 2>&1; then
  echo "1..0 # SKIP curl not found"; exit 0
fi
if [ ! -d "$here/node_modules/node-llama-cpp" ]; then
  echo "1..0 # SKIP node_modules missing: run make engine"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-live-smoke.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  shift
  for f in "$@"; do [ -f "$f" ] && cut -c1-300 "$f" | head -n 40 | sed 's/^/#   /'; done
  return 0
}
# check NAME FILE JS-EXPRESSION: the expression sees `body` (the file's text),
# `j` (the body as JSON, or null) and `ev` (its SSE "data:" payloads, each
# parsed as JSON except "[DONE]"; null when one is not valid JSON).
check() {
  local name=$1 file=$2 expr=$3
  if node -e '
    const fs = require("fs");
    const body = fs.readFileSync(process.argv[1], "utf8");
    let j = null; try { j = JSON.parse(body); } catch {}
    let ev = [];
    for (const line of body.split("\n")) {
      if (!line.startsWith("data: ")) continue;
      const p = line.slice(6);
      if (p === "[DONE]") { ev.push(p); continue; }
      try { ev.push(JSON.parse(p)); } catch { ev = null; break; }
    }
    const texts = (ev ?? []).filter((e) => typeof e === "object" && e.choices?.length)
      .map((e) => e.choices[0]);
    process.exit(('"$expr"') ? 0 : 1);
  ' "$file" 2>"$tmp/check.err"; then
    ok "$name"
  else
    not_ok "$name" "$file" "$tmp/check.err"
  fi
}

echo "1..16"

# 1. The model file: deterministic and small.
node "$here/make-gguf.mjs" "$tmp/a.gguf" 2>"$tmp/make.log" &&
  node "$here/make-gguf.mjs" "$tmp/b.gguf" 2>>"$tmp/make.log"
size=$(stat -c %s "$tmp/a.gguf" 2>/dev/null || echo 0)
if cmp -s "$tmp/a.gguf" "$tmp/b.gguf" && [ "$size" -gt 0 ] && [ "$size" -lt 5000000 ]; then
  ok "make-gguf writes the same small file twice ($size bytes)"
else
  not_ok "make-gguf writes the same small file twice ($size bytes)" "$tmp/make.log"
fi

# 2. The server starts and says where it listens.
node "$here/server.mjs" --model "$tmp/a.gguf" --port 0 >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
base=
for _ in $(seq 1 450); do
  line=$(head -n 1 "$tmp/server.out" 2>/dev/null)
  case $line in
    "listening on http://"*) base=${line#listening on }; break ;;
  esac
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -n "$base" ]; then
  ok "server listens ($base)"
else
  not_ok "server listens" "$tmp/server.out" "$tmp/server.err"
  echo "Bail out! the server did not start"
  exit 1
fi

post() { # post PATH JSON OUT -> prints the HTTP status
  curl -sS -o "$3" -w '%{http_code}' -H 'content-type: application/json' \
    --max-time 30 -d "$2" "$base$1" 2>>"$tmp/curl.err"
}

# 3. The model list.
curl -sS --max-time 10 -o "$tmp/models.json" "$base/v1/models" 2>>"$tmp/curl.err"
check "GET /v1/models lists tiny-random" "$tmp/models.json" \
  'j.object === "list" && j.data.length === 1 && j.data[0].id === "tiny-random" && j.data[0].object === "model"'

# 4. A streamed completion of 16 tokens: one chunk a token, a final chunk,
# a usage chunk, [DONE].
post /v1/completions '{"model":"tiny-random","prompt":"Let me think","max_tokens":16,"seed":7,"stream":true,"stream_options":{"include_usage":true}}' "$tmp/stream.txt" >/dev/null
check "streamed completion: 16 token chunks, final, usage, [DONE]" "$tmp/stream.txt" '
  ev !== null && ev.length === 19 && ev[18] === "[DONE]" &&
  ev.slice(0, 16).every((e) => e.object === "text_completion" && e.choices[0].finish_reason === null
    && typeof e.choices[0].text === "string" && e.id === ev[0].id) &&
  ev[16].choices[0].finish_reason === "length" &&
  ev[17].choices.length === 0 && ev[17].usage.completion_tokens === 16 && ev[17].usage.prompt_tokens > 0'

# 5. The same request without streaming gives the same text: seeded sampling
# is deterministic.
post /v1/completions '{"prompt":"Let me think","max_tokens":16,"seed":7}' "$tmp/plain.json" >/dev/null
stream_text=$(node -e '
  const b = require("fs").readFileSync(process.argv[1], "utf8");
  let t = "";
  for (const l of b.split("\n"))
    if (l.startsWith("data: {")) { const e = JSON.parse(l.slice(6)); if (e.choices.length) t += e.choices[0].text; }
  process.stdout.write(JSON.stringify(t));' "$tmp/stream.txt" 2>/dev/null)
check "non-streamed completion repeats the streamed text" "$tmp/plain.json" "
  j.object === 'text_completion' && j.choices[0].text === $stream_text && j.choices[0].text.length > 0 &&
  j.usage.completion_tokens === 16 && j.choices[0].finish_reason === 'length'"

# 6. A chat completion.
post /v1/chat/completions '{"model":"tiny-random","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is 2+2?"}],"max_tokens":24}' "$tmp/chat.json" >/dev/null
check "chat completion" "$tmp/chat.json" '
  j.object === "chat.completion" && j.choices[0].message.role === "assistant" &&
  typeof j.choices[0].message.content === "string" && j.choices[0].message.content.length > 0 &&
  j.choices[0].message.reasoning_content === null &&
  j.choices[0].finish_reason === "length" && j.usage.completion_tokens === 24 && j.usage.prompt_tokens > 10'

# 7. Reasoning: with enable_thinking the answer opens in <think>; the text up
# to </think> streams as delta.reasoning_content, the rest as delta.content.
# (logit_bias makes </think>, id 262, likely enough to come within 400 tokens
# whatever floating-point path this CPU takes.)
post /v1/chat/completions '{"messages":[{"role":"user","content":"What is 2+2?"}],"chat_template_kwargs":{"enable_thinking":true},"max_tokens":400,"seed":3,"logit_bias":{"262":1.5},"stream":true}' "$tmp/think.txt" >/dev/null
check "streamed chat: reasoning_content, then content" "$tmp/think.txt" '
  (() => {
    const d = texts.map((c) => c.delta);
    const firstContent = d.findIndex((x) => (x.content ?? "") !== "");
    const lastReasoning = d.findLastIndex((x) => (x.reasoning_content ?? "") !== "");
    return ev[ev.length - 1] === "[DONE]" && d[0].role === "assistant" &&
      lastReasoning >= 0 && firstContent > lastReasoning &&
      !d.some((x) => /<\/?think>/.test((x.content ?? "") + (x.reasoning_content ?? "")));
  })()'

# 8. Prefill: continue an assistant message that opened <think>.
post /v1/chat/completions '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"<think>\nLet me"}],"continue_final_message":true,"add_generation_prompt":false,"max_tokens":8,"logit_bias":{"262":-100}}' "$tmp/prefill.json" >/dev/null
check "chat prefill continues the reasoning" "$tmp/prefill.json" '
  j.choices[0].message.reasoning_content.length > 0 && j.choices[0].message.content === "" &&
  j.usage.completion_tokens === 8'

# 9. UTF-8: "\u2192" is the byte tokens E2 86 92 (ids 229, 137, 149); the
# model follows E2 with 86 92, and logit_bias makes E2 common. The chunks of
# E2 and 86 carry no text, the chunk of 92 carries the whole character.
post /v1/completions '{"prompt":"x","max_tokens":200,"seed":1,"logit_bias":{"229":4},"stream":true}' "$tmp/utf8.txt" >/dev/null
check "multi-byte characters split over tokens arrive whole" "$tmp/utf8.txt" '
  texts.length === 201 && texts.some((c) => c.text.includes("\u2192")) &&
  texts.some((c) => c.text === "") && !texts.slice(0, 200).some((c) => c.text.includes("\ufffd"))'

# 10. Stop strings.
post /v1/completions '{"prompt":"x","max_tokens":400,"seed":1,"logit_bias":{"229":4},"stop":["\u2192"]}' "$tmp/stop.json" >/dev/null
check "a stop string ends with finish_reason stop" "$tmp/stop.json" '
  j.choices[0].finish_reason === "stop" && !j.choices[0].text.includes("\u2192") &&
  j.usage.completion_tokens < 400'

# 11. logit_bias can force the end of turn (<|im_end|>, id 260).
post /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":50,"logit_bias":{"260":100}}' "$tmp/eos.json" >/dev/null
check "logit_bias on <|im_end|> stops at once" "$tmp/eos.json" '
  j.choices[0].finish_reason === "stop" && j.usage.completion_tokens === 0'

# 12. Errors.
s404=$(post /v1/chat/completions '{"model":"gpt-9","messages":[{"role":"user","content":"hi"}]}' "$tmp/e404.json")
s400=$(post /v1/completions '{"prompt": "x",' "$tmp/e400.json")
check "unknown model 404, bad JSON 400" "$tmp/e404.json" "
  $s404 === 404 && $s400 === 400 && j.error.message === \"model 'gpt-9' not found\" &&
  JSON.parse(require('fs').readFileSync('$tmp/e400.json', 'utf8')).error.message.length > 0"

# 13. A client that goes away stops its generation; the server goes on.
curl -sS --max-time 0.5 -o "$tmp/cut.txt" -d '{"prompt":"x","max_tokens":100000,"stream":true}' \
  "$base/v1/completions" 2>/dev/null
for _ in $(seq 1 40); do
  curl -sS --max-time 5 -o "$tmp/health.json" "$base/health" 2>>"$tmp/curl.err"
  grep -q '"slots_processing":0' "$tmp/health.json" && break
  sleep 0.05
done
check "disconnect aborts the generation" "$tmp/health.json" '
  j.aborted === 1 && j.slots_processing === 0 && j.slots_idle === 1'
post /v1/completions '{"prompt":"x","max_tokens":4}' "$tmp/after.json" >/dev/null
check "the server answers after the abort" "$tmp/after.json" 'j.usage.completion_tokens === 4'

# 14. Requests made together queue and all finish.
pids=()
for i in 1 2 3; do
  post /v1/completions '{"prompt":"x","max_tokens":300,"seed":'$i'}' "$tmp/q$i.json" >/dev/null &
  pids+=($!)
done
wait "${pids[@]}"
check "three requests at once all finish" "$tmp/q3.json" '
  [1, 2, 3].every((i) => JSON.parse(require("fs").readFileSync(process.argv[1].replace(/q3/, "q" + i), "utf8"))
    .usage.completion_tokens === 300)'

# 15. SIGTERM stops the server.
kill "$server_pid"
stopped=
for _ in $(seq 1 50); do
  kill -0 "$server_pid" 2>/dev/null || { stopped=1; break; }
  sleep 0.1
done
if [ -n "$stopped" ]; then
  wait "$server_pid" 2>/dev/null
  server_pid=
  ok "server exits on SIGTERM"
else
  not_ok "server exits on SIGTERM" "$tmp/server.err"
fi

[ "$failed" -eq 0 ]
