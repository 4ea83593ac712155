#!/usr/bin/env node
// Writes a tiny llama-architecture GGUF with deterministic pseudo-random
// weights, for the live tests (tests/live/README.md).
//
//   node make-gguf.mjs OUT.gguf [--seed N]
//
// The same seed gives the same bytes on every machine: the weights come from
// a 32-bit integer PRNG and only +, -, * and / (no Math.sin/log), rounded to
// float32.
//
// The model is noise, but shaped noise. Four channels of the residual stream
// are reserved and no layer writes to them:
//   channel 0  a constant in every token embedding; output.weight reads it
//              as a per-token logit bias (control tokens, <think>, EOS and
//              stray bytes are never sampled, newlines and "</think>" are);
//   channel 1  set only in <0xE2>'s embedding, read by <0x86>'s output row;
//   channel 2  set only in <0x86>'s embedding, read by <0x92>'s output row;
//   channel 3  set only in <0xC3>'s embedding, read by <0xA9>'s output row.
// So the model sometimes writes U+2192 "→" as the three byte tokens
// E2 86 92 and "é" as C3 A9: characters split across tokens, which the server
// must reassemble before it sends text.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

// ---- hyperparameters --------------------------------------------------------
const N_EMBD = 64;
const N_HEAD = 4;
const N_HEAD_KV = 4;
const N_LAYER = 2;
const N_FF = 128;
const N_CTX = 2048;
const HEAD_DIM = N_EMBD / N_HEAD;
const ALIGNMENT = 32;

// ---- arguments ----------------------------------------------------------------
const args = process.argv.slice(2);
let out = null;
let seed = 20240611;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--seed") seed = Number(args[++i]) >>> 0;
  else if (args[i] === "-h" || args[i] === "--help") {
    process.stdout.write("usage: node make-gguf.mjs OUT.gguf [--seed N]\n");
    process.exit(0);
  } else if (out === null) out = args[i];
  else {
    process.stderr.write(`make-gguf: unexpected argument '${args[i]}'\n`);
    process.exit(2);
  }
}
if (out === null) {
  process.stderr.write("usage: node make-gguf.mjs OUT.gguf [--seed N]\n");
  process.exit(2);
}

// ---- PRNG: xoshiro128** seeded through splitmix32 ---------------------------
function splitmix32(state) {
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}
function makeRng(s) {
  const sm = splitmix32(s);
  let a = sm(), b = sm(), c = sm(), d = sm();
  const rotl = (x, k) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const next = () => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c ^= t;
    d = rotl(d, 11);
    a >>>= 0; b >>>= 0; c >>>= 0;
    return r;
  };
  const uniform = () => next() / 4294967296; // [0, 1)
  // Irwin-Hall: the sum of 12 uniforms minus 6 has mean 0 and variance 1.
  const normal = () => {
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += uniform();
    return sum - 6;
  };
  return { uniform, normal };
}
const rng = makeRng(seed);

// ---- vocabulary ---------------------------------------------------------------
const TYPE_NORMAL = 1, TYPE_UNKNOWN = 2, TYPE_CONTROL = 3, TYPE_USER_DEFINED = 4, TYPE_BYTE = 6;
const SPACE = "\u2581"; // SentencePiece's visible space

const tokens = [];
const types = [];
const scores = [];
const idOf = new Map();
function addToken(text, type, score = 0) {
  if (idOf.has(text)) return idOf.get(text);
  const id = tokens.length;
  tokens.push(text);
  types.push(type);
  scores.push(score);
  idOf.set(text, id);
  return id;
}

const UNK = addToken("<unk>", TYPE_UNKNOWN);
const BOS = addToken("<s>", TYPE_CONTROL);
const EOS = addToken("</s>", TYPE_CONTROL);
const byteId = [];
for (let b = 0; b < 256; b++)
  byteId.push(addToken(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, TYPE_BYTE));
const IM_START = addToken("<|im_start|>", TYPE_CONTROL);
const IM_END = addToken("<|im_end|>", TYPE_CONTROL);
// User-defined, like Qwen3's: parsed from text and printed as text.
const THINK = addToken("<think>", TYPE_USER_DEFINED);
const END_THINK = addToken("</think>", TYPE_USER_DEFINED);

// Normal pieces. Scores fall with the id: the tokenizer merges the pair whose
// result scores highest, and every multi-character piece has its prefixes in
// the vocabulary, so merging always reaches it.
let nextScore = -1;
const addPiece = (p) => addToken(p, TYPE_NORMAL, nextScore--);
addPiece(SPACE);
for (let c = 0x21; c <= 0x7e; c++) addPiece(String.fromCharCode(c));
// Whole multi-byte characters (one token, complete UTF-8). "→" and "é" are
// deliberately missing: they go through the byte tokens.
for (const ch of ["—", "π", "√", "≈", "∑", "°", "≤", "≥", "·", "×", "🤔"]) addPiece(ch);
const WORDS = (
  "the and of to in is that it for we so let me think step wait answer number " +
  "sum then but this with be are not if can each first check equation value " +
  "solve result because therefore now next find total two three one four five " +
  "zero plus minus times equals hmm okay right yes no maybe actually consider " +
  "case given prove true false again which where what how why more less than " +
  "square root divide multiply factor prime count"
).split(" ");
for (const w of WORDS)
  for (let k = 1; k <= w.length; k++) addPiece(SPACE + w.slice(0, k));
for (const w of WORDS)
  for (let k = 2; k <= w.length; k++) addPiece(w.slice(0, k));
const N_VOCAB = tokens.length;

// ---- per-token logit bias (channel 0) -------------------------------------------
const NEVER = -30;
const bias = new Float64Array(N_VOCAB);
for (const id of [UNK, BOS, EOS, IM_START, IM_END, THINK]) bias[id] = NEVER;
bias[END_THINK] = 0.0;
for (let b = 0; b < 256; b++) {
  let v = NEVER;
  if (b === 0x0a) v = 5.0;                    // newline
  else if (b === 0xe2 || b === 0xc3) v = 1.5; // lead bytes of "→" and "é"
  bias[byteId[b]] = v;
}
// Continuations follow their lead byte only (channels 1-3).
const CHAINS = [
  { channel: 1, from: byteId[0xe2], to: byteId[0x86] },
  { channel: 2, from: byteId[0x86], to: byteId[0x92] },
  { channel: 3, from: byteId[0xc3], to: byteId[0xa9] },
];
const RESERVED = 4;
const CONST = 3.0;      // value of a reserved channel in an embedding
const NORM_EST = 2.3;   // its typical value after the final RMS norm
const CHAIN_LOGIT = 60; // logit a chain adds to its continuation

// ---- tensors -----------------------------------------------------------------
// ggml shapes: ne[0] is the contiguous (row) length. A [n_in, n_out] weight
// maps n_in inputs to n_out outputs, one row of n_in per output.
const tensors = [];
function tensor(name, ne, fill) {
  const data = new Float32Array(ne.reduce((a, b) => a * b, 1));
  fill(data);
  tensors.push({ name, ne, data });
}
const randomFill = (scale) => (d) => {
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * scale;
};
const ones = (d) => d.fill(1);
// Random, with the rows that would write to the reserved channels zeroed.
const projFill = (nIn, scale) => (d) => {
  randomFill(scale)(d);
  for (let row = 0; row < RESERVED; row++) d.fill(0, row * nIn, (row + 1) * nIn);
};

tensor("token_embd.weight", [N_EMBD, N_VOCAB], (d) => {
  randomFill(1.0)(d);
  for (let t = 0; t < N_VOCAB; t++) {
    d[t * N_EMBD] = CONST;
    for (let c = 1; c < RESERVED; c++) d[t * N_EMBD + c] = 0;
  }
  for (const { channel, from } of CHAINS) d[from * N_EMBD + channel] = CONST;
});
for (let l = 0; l < N_LAYER; l++) {
  const s = 1 / Math.sqrt(N_EMBD);
  tensor(`blk.${l}.attn_norm.weight`, [N_EMBD], ones);
  tensor(`blk.${l}.attn_q.weight`, [N_EMBD, N_EMBD], randomFill(s));
  tensor(`blk.${l}.attn_k.weight`, [N_EMBD, N_HEAD_KV * HEAD_DIM], randomFill(s));
  tensor(`blk.${l}.attn_v.weight`, [N_EMBD, N_HEAD_KV * HEAD_DIM], randomFill(s));
  tensor(`blk.${l}.attn_output.weight`, [N_EMBD, N_EMBD], projFill(N_EMBD, s));
  tensor(`blk.${l}.ffn_norm.weight`, [N_EMBD], ones);
  tensor(`blk.${l}.ffn_gate.weight`, [N_EMBD, N_FF], randomFill(s));
  tensor(`blk.${l}.ffn_up.weight`, [N_EMBD, N_FF], randomFill(s));
  tensor(`blk.${l}.ffn_down.weight`, [N_FF, N_EMBD], projFill(N_FF, 1 / Math.sqrt(N_FF)));
}
tensor("output_norm.weight", [N_EMBD], ones);
tensor("output.weight", [N_EMBD, N_VOCAB], (d) => {
  randomFill(0.32)(d);
  for (let t = 0; t < N_VOCAB; t++) {
    d[t * N_EMBD] = bias[t] / NORM_EST;
    for (let c = 1; c < RESERVED; c++) d[t * N_EMBD + c] = 0;
  }
  for (const { channel, to } of CHAINS) d[to * N_EMBD + channel] = CHAIN_LOGIT / NORM_EST;
});

// ---- metadata ------------------------------------------------------------------
const CHAT_TEMPLATE =
  "{%- for message in messages %}" +
  "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{%- endfor %}" +
  "{%- if add_generation_prompt %}" +
  "{{- '<|im_start|>assistant\\n' }}" +
  "{%- if enable_thinking is defined and enable_thinking %}{{- '<think>\\n' }}{%- endif %}" +
  "{%- endif %}";

const T = { U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9 };
const metadata = [
  ["general.architecture", T.STRING, "llama"],
  ["general.name", T.STRING, "tiny-random"],
  ["general.description", T.STRING,
    `Random weights (seed ${seed}) for Midthought's live tests; its output is noise.`],
  ["general.file_type", T.U32, 0], // all F32
  ["general.alignment", T.U32, ALIGNMENT],
  ["llama.context_length", T.U32, N_CTX],
  ["llama.embedding_length", T.U32, N_EMBD],
  ["llama.block_count", T.U32, N_LAYER],
  ["llama.feed_forward_length", T.U32, N_FF],
  ["llama.rope.dimension_count", T.U32, HEAD_DIM],
  ["llama.rope.freq_base", T.F32, 10000],
  ["llama.attention.head_count", T.U32, N_HEAD],
  ["llama.attention.head_count_kv", T.U32, N_HEAD_KV],
  ["llama.attention.layer_norm_rms_epsilon", T.F32, 1e-5],
  ["llama.vocab_size", T.U32, N_VOCAB],
  ["tokenizer.ggml.model", T.STRING, "llama"],
  ["tokenizer.ggml.tokens", T.ARRAY, [T.STRING, tokens]],
  ["tokenizer.ggml.scores", T.ARRAY, [T.F32, scores]],
  ["tokenizer.ggml.token_type", T.ARRAY, [T.I32, types]],
  ["tokenizer.ggml.bos_token_id", T.U32, BOS],
  ["tokenizer.ggml.eos_token_id", T.U32, EOS],
  ["tokenizer.ggml.eot_token_id", T.U32, IM_END],
  ["tokenizer.ggml.unknown_token_id", T.U32, UNK],
  ["tokenizer.ggml.padding_token_id", T.U32, UNK],
  ["tokenizer.ggml.add_bos_token", T.BOOL, false],
  ["tokenizer.ggml.add_eos_token", T.BOOL, false],
  ["tokenizer.ggml.add_space_prefix", T.BOOL, false],
  ["tokenizer.chat_template", T.STRING, CHAT_TEMPLATE],
];

// ---- serialisation ---------------------------------------------------------------
class Writer {
  constructor() { this.buf = Buffer.alloc(1 << 16); this.len = 0; }
  reserve(n) {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = Buffer.alloc(size);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }
  u8(v) { this.reserve(1); this.buf.writeUInt8(v, this.len); this.len += 1; }
  u32(v) { this.reserve(4); this.buf.writeUInt32LE(v, this.len); this.len += 4; }
  i32(v) { this.reserve(4); this.buf.writeInt32LE(v, this.len); this.len += 4; }
  u64(v) { this.reserve(8); this.buf.writeBigUInt64LE(BigInt(v), this.len); this.len += 8; }
  f32(v) { this.reserve(4); this.buf.writeFloatLE(v, this.len); this.len += 4; }
  str(s) { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.bytes(b); }
  bytes(b) { this.reserve(b.length); b.copy(this.buf, this.len); this.len += b.length; }
  pad() { while (this.len % ALIGNMENT !== 0) this.u8(0); }
  value(type, v) {
    switch (type) {
      case T.U32: return this.u32(v);
      case T.I32: return this.i32(v);
      case T.F32: return this.f32(v);
      case T.BOOL: return this.u8(v ? 1 : 0);
      case T.STRING: return this.str(v);
      case T.ARRAY: {
        const [itemType, items] = v;
        this.u32(itemType);
        this.u64(items.length);
        for (const item of items) this.value(itemType, item);
        return;
      }
      default: throw new Error(`unknown metadata type ${type}`);
    }
  }
}

const w = new Writer();
w.bytes(Buffer.from("GGUF", "latin1"));
w.u32(3); // version
w.u64(tensors.length);
w.u64(metadata.length);
for (const [key, type, value] of metadata) {
  w.str(key);
  w.u32(type);
  w.value(type, value);
}
let offset = 0;
for (const t of tensors) {
  w.str(t.name);
  w.u32(t.ne.length);
  for (const n of t.ne) w.u64(n);
  w.u32(0); // GGML_TYPE_F32
  w.u64(offset);
  t.offset = offset;
  offset += t.data.byteLength;
  offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
}
w.pad();
for (const t of tensors) {
  for (const v of t.data) w.f32(v); // little-endian whatever the host
  w.pad();
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, w.buf.subarray(0, w.len));
process.stderr.write(
  `make-gguf: wrote ${out}: ${w.len} bytes, ${N_VOCAB} tokens, ${tensors.length} tensors, seed ${seed}\n`,
);
