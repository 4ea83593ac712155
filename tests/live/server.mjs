#!/usr/bin/env node
// A small OpenAI-compatible server around llama.cpp (node-llama-cpp), for
// Midthought's live tests. See tests/live/README.md.
//
//   node server.mjs --model PATH [--port 0] [--host 127.0.0.1] [--parallel 1]
//                   [--ctx 2048] [--quiet]
//
// The first line on stdout is "listening on http://HOST:PORT"; logs go to
// stderr.

import http from "node:http";
import { randomBytes } from "node:crypto";
import { getLlama, LlamaLogLevel, TokenBias } from "node-llama-cpp";

const MODEL_ID = "tiny-random";
const MAX_BODY = 8 * 1024 * 1024;
const DEFAULT_SEED = 0;

// ---- arguments -----------------------------------------------------------------
function usage(code) {
  (code ? process.stderr : process.stdout).write(
    "usage: node server.mjs --model PATH [--port N] [--host ADDR] [--parallel N] [--ctx N] [--quiet]\n",
  );
  process.exit(code);
}
const opt = { model: null, port: 0, host: "127.0.0.1", parallel: 1, ctx: 2048, quiet: false };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const need = () => {
      if (i + 1 >= a.length) usage(2);
      return a[++i];
    };
    switch (a[i]) {
      case "--model": opt.model = need(); break;
      case "--port": opt.port = Number(need()); break;
      case "--host": opt.host = need(); break;
      case "--parallel": opt.parallel = Number(need()); break;
      case "--ctx": opt.ctx = Number(need()); break;
      case "--quiet": opt.quiet = true; break;
      case "-h": case "--help": usage(0); break;
      default: process.stderr.write(`server: unknown argument '${a[i]}'\n`); usage(2);
    }
  }
  if (!opt.model) usage(2);
  for (const k of ["port", "parallel", "ctx"])
    if (!Number.isInteger(opt[k]) || opt[k] < 0 || (k !== "port" && opt[k] < 1)) {
      process.stderr.write(`server: bad --${k}\n`);
      process.exit(2);
    }
}
const log = (msg) => { if (!opt.quiet) process.stderr.write(`server: ${msg}\n`); };

// ---- the model -------------------------------------------------------------------
// One thread: the default (max(cores, 4)) oversubscribes a 2-core machine and
// is hundreds of times slower for a model this small.
const llama = await getLlama({
  gpu: false,
  build: "never",
  maxThreads: 1,
  logLevel: LlamaLogLevel.warn,
  logger: (level, message) => process.stderr.write(`llama.cpp [${level}]: ${message.trimEnd()}\n`),
});
const model = await llama.loadModel({ modelPath: opt.model, gpuLayers: 0 });
const context = await model.createContext({
  contextSize: opt.ctx,
  sequences: opt.parallel,
  threads: 1,
  batchSize: Math.min(512, opt.ctx),
});
const CTX = context.contextSize;

// token id -> the bytes it stands for in generated text. Read from the GGUF's
// vocabulary rather than model.detokenize(), which cannot return half of a
// UTF-8 character.
const TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 };
const vocab = model.fileInfo.metadata.tokenizer.ggml;
const tokenBytes = vocab.tokens.map((text, id) => {
  const type = vocab.token_type?.[id] ?? TYPE.NORMAL;
  switch (type) {
    case TYPE.BYTE: {
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
      return m ? Buffer.from([parseInt(m[1], 16)]) : Buffer.alloc(0);
    }
    case TYPE.NORMAL: return Buffer.from(text.replaceAll("\u2581", " "), "utf8");
    case TYPE.USER_DEFINED: return Buffer.from(text, "utf8");
    default: return Buffer.alloc(0); // control, unknown, unused: not printed
  }
});
const tokenId = (text) => {
  const i = vocab.tokens.indexOf(text);
  return i < 0 ? null : i;
};
const THINK = tokenId("<think>");
const END_THINK = tokenId("</think>");

// ---- sequences: a small pool; requests queue for a free one -------------------------
const freeSeqs = [];
for (let i = 0; i < opt.parallel; i++) freeSeqs.push(context.getSequence());
const waiters = [];
const stats = { requests: 0, aborted: 0, processing: 0 };

function acquireSequence(signal) {
  if (freeSeqs.length > 0) return Promise.resolve(freeSeqs.pop());
  return new Promise((resolve, reject) => {
    const w = { resolve, reject };
    waiters.push(w);
    signal.addEventListener("abort", () => {
      const i = waiters.indexOf(w);
      if (i >= 0) {
        waiters.splice(i, 1);
        reject(new Error("aborted while queued"));
      }
    }, { once: true });
  });
}
function releaseSequence(seq) {
  const w = waiters.shift();
  if (w) w.resolve(seq);
  else freeSeqs.push(seq);
}

// ---- text: whole UTF-8 characters, reasoning split, stop strings ----------------------
// Each generated token is pushed through push(); it returns the text that may
// be sent now, per channel ("content" or "reasoning"). Bytes of a character
// that is not complete yet are held back (TextDecoder in stream mode); so is
// a tail that could be the start of a stop string.
class TextStream {
  constructor({ stop, reasoning, splitThink }) {
    this.stop = stop;
    this.splitThink = splitThink;
    this.channel = reasoning ? "reasoning" : "content";
    this.decoder = new TextDecoder("utf-8");
    this.held = "";
    this.stopped = false;
    this.all = { content: "", reasoning: "" };
  }
  // Release held text in the current channel; `final` flushes everything.
  _release(out, text, final) {
    this.held += text;
    let emit;
    const hit = this._findStop();
    if (hit >= 0) {
      emit = this.held.slice(0, hit);
      this.held = "";
      this.stopped = true;
    } else if (final) {
      emit = this.held;
      this.held = "";
    } else {
      const keep = this._stopPrefixLength();
      emit = this.held.slice(0, this.held.length - keep);
      this.held = this.held.slice(this.held.length - keep);
    }
    if (emit) {
      out[this.channel] = (out[this.channel] ?? "") + emit;
      this.all[this.channel] += emit;
    }
  }
  _findStop() {
    let best = -1;
    for (const s of this.stop) {
      const i = this.held.indexOf(s);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }
  // Length of the longest tail of `held` that begins some stop string.
  _stopPrefixLength() {
    let keep = 0;
    for (const s of this.stop)
      for (let k = Math.min(s.length - 1, this.held.length); k > keep; k--)
        if (this.held.endsWith(s.slice(0, k))) { keep = k; break; }
    return keep;
  }
  push(token) {
    const out = {};
    if (this.splitThink && (token === THINK || token === END_THINK)) {
      // The tag is not text: close the current channel and switch.
      this._release(out, this.decoder.decode(), true);
      if (!this.stopped) this.channel = token === THINK ? "reasoning" : "content";
      return out;
    }
    this._release(out, this.decoder.decode(tokenBytes[token] ?? Buffer.alloc(0), { stream: true }), false);
    return out;
  }
  finish() {
    const out = {};
    if (!this.stopped) this._release(out, this.decoder.decode(), true);
    return out;
  }
}

// ---- generation -------------------------------------------------------------------
// Runs one generation on a pooled sequence. onToken(out) is called once per
// generated token (out = the text released by that token, maybe none).
async function generate({ promptTokens, maxTokens, sampling, stream: text, signal, onToken }) {
  let seq;
  try {
    seq = await acquireSequence(signal);
  } catch {
    return { finishReason: "abort", completionTokens: 0 };
  }
  stats.processing++;
  let completionTokens = 0;
  let finishReason = "length";
  try {
    await seq.clearHistory();
    const budget = Math.min(maxTokens, CTX - promptTokens.length);
    if (budget > 0 && !signal.aborted) {
      const it = seq.evaluate(promptTokens, { ...sampling, yieldEogToken: true });
      for await (const token of it) {
        if (signal.aborted) { finishReason = "abort"; break; }
        if (model.isEogToken(token)) { finishReason = "stop"; break; }
        completionTokens++;
        const out = text.push(token);
        if (text.stopped) { finishReason = "stop"; onToken(out); break; }
        onToken(out);
        if (completionTokens >= budget) break;
      }
    }
    if (signal.aborted) finishReason = "abort";
  } finally {
    stats.processing--;
    releaseSequence(seq);
  }
  return { finishReason, completionTokens };
}

// ---- HTTP helpers -------------------------------------------------------------------
class HttpError extends Error {
  constructor(status, message, type = "invalid_request_error", code = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
  }
}
function sendJson(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
function sendError(res, err) {
  if (res.headersSent) { res.destroy(); return; }
  sendJson(res, err.status ?? 500, {
    error: { message: err.message, type: err.type ?? "server_error", param: null, code: err.code ?? null },
  });
}
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, "request body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
async function readJson(req) {
  const text = await readBody(req);
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `invalid JSON in request body: ${e.message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new HttpError(400, "the request body must be a JSON object");
  return body;
}

// ---- request parameters --------------------------------------------------------------
function num(body, key, { min = -Infinity, max = Infinity, int = false, def }) {
  const v = body[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v)))
    throw new HttpError(400, `'${key}' must be ${int ? "an integer" : "a number"} in [${min}, ${max}]`);
  return v;
}
function bool(body, key, def) {
  const v = body[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== "boolean") throw new HttpError(400, `'${key}' must be a boolean`);
  return v;
}
function checkModel(body) {
  if (body.model !== undefined && body.model !== null && body.model !== MODEL_ID)
    throw new HttpError(404, `model '${body.model}' not found`, "invalid_request_error", "model_not_found");
}
function commonParams(body, defaultMaxTokens) {
  checkModel(body);
  if (num(body, "n", { min: 1, max: 1, int: true, def: 1 }) !== 1)
    throw new HttpError(400, "'n' must be 1");
  let stop = body.stop ?? [];
  if (typeof stop === "string") stop = [stop];
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== "string"))
    throw new HttpError(400, "'stop' must be a string or an array of strings");
  stop = stop.filter((s) => s.length > 0);
  const maxTokens = num(body, "max_completion_tokens", { min: 0, int: true, def: undefined })
    ?? num(body, "max_tokens", { min: 0, int: true, def: defaultMaxTokens });
  const temperature = num(body, "temperature", { min: 0, max: 2, def: 1 });
  const topP = num(body, "top_p", { min: 0, max: 1, def: 1 });
  const topK = num(body, "top_k", { min: -1, int: true, def: 0 });
  const seed = num(body, "seed", { min: 0, max: 2 ** 32 - 1, int: true, def: DEFAULT_SEED });
  const stream = bool(body, "stream", false);
  const so = body.stream_options;
  if (so !== undefined && so !== null && (typeof so !== "object" || Array.isArray(so)))
    throw new HttpError(400, "'stream_options' must be an object");
  const includeUsage = so ? bool(so, "include_usage", false) : false;

  // OpenAI logit_bias: {"token id": bias in [-100, 100]}; -100 bans the token.
  let tokenBias;
  if (body.logit_bias !== undefined && body.logit_bias !== null) {
    const lb = body.logit_bias;
    if (typeof lb !== "object" || Array.isArray(lb)) throw new HttpError(400, "'logit_bias' must be an object");
    tokenBias = TokenBias.for(model);
    for (const [k, v] of Object.entries(lb)) {
      const id = Number(k);
      if (!Number.isInteger(id) || id < 0 || id >= tokenBytes.length)
        throw new HttpError(400, `'logit_bias' has an unknown token id '${k}'`);
      if (typeof v !== "number" || !Number.isFinite(v) || v < -100 || v > 100)
        throw new HttpError(400, "'logit_bias' values must be numbers in [-100, 100]");
      // TokenBias.set() skips end-of-generation tokens; writing the map
      // directly lets a test force one (node-llama-cpp is pinned: 3.21.1).
      tokenBias._biases.set(id, v <= -100 ? -Infinity : v);
    }
  }
  return {
    stop,
    maxTokens,
    stream,
    includeUsage,
    sampling: { temperature, topP, topK, seed, minP: 0, tokenBias },
  };
}

function tokenize(text) {
  return model.tokenize(text, true);
}

// ---- chat template: ChatML, as tokenizer.chat_template in the GGUF ----------------------
function messageText(m, i) {
  const c = m.content;
  if (c === undefined || c === null) return "";
  if (typeof c === "string") return c;
  if (Array.isArray(c)) {
    return c.map((part) => {
      if (part && part.type === "text" && typeof part.text === "string") return part.text;
      throw new HttpError(400, `messages[${i}].content: only text parts are supported`);
    }).join("");
  }
  throw new HttpError(400, `messages[${i}].content must be a string or an array of text parts`);
}
function renderChat(body) {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new HttpError(400, "'messages' must be a non-empty array");
  const addGenerationPrompt = bool(body, "add_generation_prompt", true);
  const continueFinal = bool(body, "continue_final_message", false);
  if (addGenerationPrompt && continueFinal)
    throw new HttpError(400, "'continue_final_message' needs 'add_generation_prompt': false");
  const kw = body.chat_template_kwargs ?? {};
  if (typeof kw !== "object" || Array.isArray(kw)) throw new HttpError(400, "'chat_template_kwargs' must be an object");
  const enableThinking = bool(kw, "enable_thinking", false);
  let prompt = "";
  messages.forEach((m, i) => {
    if (!m || typeof m !== "object" || typeof m.role !== "string" || m.role === "")
      throw new HttpError(400, `messages[${i}] needs a string 'role'`);
    const last = i === messages.length - 1;
    prompt += `<|im_start|>${m.role}\n${messageText(m, i)}`;
    if (last && continueFinal) {
      if (m.role !== "assistant")
        throw new HttpError(400, "'continue_final_message' needs an assistant message last");
    } else {
      prompt += "<|im_end|>\n";
    }
  });
  if (addGenerationPrompt) {
    prompt += "<|im_start|>assistant\n";
    if (enableThinking) prompt += "<think>\n";
  }
  // Generation starts inside reasoning when the assistant turn being written
  // has an unclosed <think>.
  const turn = prompt.slice(prompt.lastIndexOf("<|im_start|>"));
  const reasoning = turn.startsWith("<|im_start|>assistant") &&
    turn.lastIndexOf("<think>") > turn.lastIndexOf("</think>");
  return { prompt, reasoning };
}

// ---- endpoints -------------------------------------------------------------------------
function abortOnClose(req, res) {
  const ac = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}
function sseStart(res) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  res.flushHeaders();
}
function sse(res, obj) {
  if (!res.destroyed) res.write(`data: ${typeof obj === "string" ? obj : JSON.stringify(obj)}\n\n`);
}
const newId = (prefix) => `${prefix}-${randomBytes(12).toString("hex")}`;
const usageOf = (p, c) => ({ prompt_tokens: p, completion_tokens: c, total_tokens: p + c });

async function handleCompletion(req, res, body) {
  const p = commonParams(body, 16);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === "string") prompt = prompt[0];
  if (typeof prompt !== "string")
    throw new HttpError(400, "'prompt' must be a string");
  if (body.echo) throw new HttpError(400, "'echo' is not supported");
  let promptTokens = tokenize(prompt);
  if (promptTokens.length === 0) promptTokens = [model.tokens.bos ?? 0];
  if (promptTokens.length >= CTX)
    throw new HttpError(400, `the prompt is ${promptTokens.length} tokens; the context holds ${CTX}`);

  const signal = abortOnClose(req, res);
  const id = newId("cmpl");
  const created = Math.floor(Date.now() / 1000);
  const text = new TextStream({ stop: p.stop, reasoning: false, splitThink: false });
  const chunk = (t, finish) => ({
    id, object: "text_completion", created, model: MODEL_ID,
    choices: [{ index: 0, text: t, logprobs: null, finish_reason: finish }],
    ...(p.includeUsage ? { usage: null } : {}),
  });
  if (p.stream) sseStart(res);
  const r = await generate({
    promptTokens, maxTokens: p.maxTokens, sampling: p.sampling, stream: text, signal,
    onToken: (out) => { if (p.stream) sse(res, chunk(out.content ?? "", null)); },
  });
  const tail = text.finish().content ?? "";
  return finishResponse(r, () => {
    if (p.stream) {
      sse(res, chunk(tail, r.finishReason));
      if (p.includeUsage)
        sse(res, { id, object: "text_completion", created, model: MODEL_ID, choices: [],
          usage: usageOf(promptTokens.length, r.completionTokens) });
      sse(res, "[DONE]");
      res.end();
    } else {
      sendJson(res, 200, {
        id, object: "text_completion", created, model: MODEL_ID,
        choices: [{ index: 0, text: text.all.content, logprobs: null, finish_reason: r.finishReason }],
        usage: usageOf(promptTokens.length, r.completionTokens),
      });
    }
  });
}

async function handleChat(req, res, body) {
  const p = commonParams(body, Infinity);
  const { prompt, reasoning } = renderChat(body);
  const promptTokens = tokenize(prompt);
  if (promptTokens.length >= CTX)
    throw new HttpError(400, `the prompt is ${promptTokens.length} tokens; the context holds ${CTX}`);
  // In the content channel a "</think>" is noise from the random weights:
  // it is never sampled there (whatever the request's logit_bias says).
  let sampling = p.sampling;
  const text = new TextStream({ stop: p.stop, reasoning, splitThink: true });
  if (END_THINK !== null) {
    const base = p.sampling.tokenBias;
    const contentBias = TokenBias.for(model);
    if (base) for (const [k, v] of base._biases) contentBias._biases.set(k, v);
    contentBias._biases.set(END_THINK, -Infinity);
    const reasoningBias = base ?? TokenBias.for(model);
    sampling = { ...sampling, tokenBias: () => (text.channel === "content" ? contentBias : reasoningBias) };
  }

  const signal = abortOnClose(req, res);
  const id = newId("chatcmpl");
  const created = Math.floor(Date.now() / 1000);
  let sentRole = false;
  const delta = (out) => {
    const d = {};
    if (!sentRole) { d.role = "assistant"; sentRole = true; }
    if (out.reasoning !== undefined) d.reasoning_content = out.reasoning;
    if (out.content !== undefined) d.content = out.content;
    if (out.reasoning === undefined && out.content === undefined)
      d[text.channel === "reasoning" ? "reasoning_content" : "content"] = "";
    return d;
  };
  const chunk = (d, finish) => ({
    id, object: "chat.completion.chunk", created, model: MODEL_ID,
    choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }],
    ...(p.includeUsage ? { usage: null } : {}),
  });
  if (p.stream) sseStart(res);
  const r = await generate({
    promptTokens, maxTokens: p.maxTokens, sampling, stream: text, signal,
    onToken: (out) => { if (p.stream) sse(res, chunk(delta(out), null)); },
  });
  const tail = text.finish();
  return finishResponse(r, () => {
    if (p.stream) {
      sse(res, chunk(delta(tail), r.finishReason));
      if (p.includeUsage)
        sse(res, { id, object: "chat.completion.chunk", created, model: MODEL_ID, choices: [],
          usage: usageOf(promptTokens.length, r.completionTokens) });
      sse(res, "[DONE]");
      res.end();
    } else {
      const reasoningText = reasoning || text.all.reasoning !== "" ? text.all.reasoning : null;
      sendJson(res, 200, {
        id, object: "chat.completion", created, model: MODEL_ID,
        choices: [{
          index: 0,
          message: { role: "assistant", content: text.all.content, reasoning_content: reasoningText },
          logprobs: null,
          finish_reason: r.finishReason,
        }],
        usage: usageOf(promptTokens.length, r.completionTokens),
      });
    }
  });
}

function finishResponse(r, send) {
  if (r.finishReason === "abort") {
    stats.aborted++;
    log(`client went away: generation stopped after ${r.completionTokens} tokens`);
    return;
  }
  send();
  return r;
}

// ---- the server ------------------------------------------------------------------------
const server = http.createServer(async (req, res) => {
  const started = performance.now();
  stats.requests++;
  const url = new URL(req.url, "http://localhost");
  let result;
  try {
    const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
    switch (route) {
      case "GET /v1/models":
        sendJson(res, 200, { object: "list", data: [{ id: MODEL_ID, object: "model", created: 0, owned_by: "midthought-tests" }] });
        break;
      case `GET /v1/models/${MODEL_ID}`:
        sendJson(res, 200, { id: MODEL_ID, object: "model", created: 0, owned_by: "midthought-tests" });
        break;
      case "GET /health":
        sendJson(res, 200, {
          status: "ok",
          slots_idle: freeSeqs.length,
          slots_processing: stats.processing,
          queued: waiters.length,
          requests: stats.requests,
          aborted: stats.aborted,
        });
        break;
      case "POST /v1/completions":
        result = await handleCompletion(req, res, await readJson(req));
        break;
      case "POST /v1/chat/completions":
        result = await handleChat(req, res, await readJson(req));
        break;
      default:
        if (url.pathname.startsWith("/v1/models/") && req.method === "GET")
          throw new HttpError(404, `model '${decodeURIComponent(url.pathname.slice(11))}' not found`,
            "invalid_request_error", "model_not_found");
        if (["/v1/models", "/v1/completions", "/v1/chat/completions", "/health"].includes(url.pathname))
          throw new HttpError(405, `method ${req.method} not allowed on ${url.pathname}`);
        throw new HttpError(404, `no such endpoint: ${req.method} ${url.pathname}`);
    }
  } catch (err) {
    if (!(err instanceof HttpError)) {
      process.stderr.write(`server: ${err.stack ?? err}\n`);
      err = new HttpError(500, String(err.message ?? err), "server_error");
    }
    sendError(res, err);
  }
  const ms = (performance.now() - started).toFixed(0);
  const toks = result ? ` ${result.completionTokens} tokens (${result.finishReason})` : "";
  log(`${req.method} ${url.pathname} ${res.statusCode}${toks} ${ms} ms`);
});
server.keepAliveTimeout = 5000;

server.listen(opt.port, opt.host, () => {
  const { port } = server.address();
  const host = opt.host.includes(":") ? `[${opt.host}]` : opt.host;
  process.stdout.write(`listening on http://${host}:${port}\n`);
  log(`model ${opt.model}: ${tokenBytes.length} tokens, context ${CTX}, ${opt.parallel} sequence(s), 1 thread`);
});

let closing = false;
async function shutdown(sig) {
  if (closing) return;
  closing = true;
  log(`${sig}: shutting down`);
  server.close();
  server.closeAllConnections?.();
  try {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  } finally {
    process.exit(0);
  }
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
