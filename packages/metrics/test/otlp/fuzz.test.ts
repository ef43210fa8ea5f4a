// Fuzz: any input bytes give a decoded request or an OtlpDecodeError with a known code, never anything
// else (no RangeError, TypeError, stack overflow, hang). Seeded and reproducible:
//   PERF_FUZZ_SEED=123 PERF_FUZZ_CASES=1000000 node scripts/test.mjs --quick packages/metrics/test/otlp/fuzz
// A failure prints the seed, the case number and the input in hex.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OtlpDecodeError } from '../../src/errors.js';
import { OtlpErrorCode } from '../../src/otlp/errors.js';
import { decodeJson, encodeJson } from '../../src/otlp/json.js';
import { decodeProtobuf, encodeProtobuf } from '../../src/otlp/protobuf.js';
import { Gen } from './generate.js';

const SEED = Number(process.env.PERF_FUZZ_SEED ?? Date.now() % 2 ** 31);
const CASES = Number(process.env.PERF_FUZZ_CASES ?? 100_000);
const CODES = new Set<string>(Object.values(OtlpErrorCode));
// small limits as well as the defaults, so the limit checks themselves are fuzzed
const LIMITS = [undefined, { maxPoints: 3, maxBuckets: 20, maxMetrics: 6, maxDepth: 2 }];

function hex(b: Uint8Array): string {
  return Buffer.from(b.subarray(0, 2000)).toString('hex');
}

/** Real bodies to mutate: generated requests of every kind, kept small so mutations stay fast. */
function corpus(g: Gen): Uint8Array[] {
  const out: Uint8Array[] = [];
  while (out.length < 60) {
    const b = encodeProtobuf(g.request());
    if (b.length > 0 && b.length < 3000) out.push(b);
  }
  return out;
}

function mutate(g: Gen, base: Uint8Array, other: Uint8Array): Uint8Array {
  const b = Uint8Array.from(base);
  switch (g.int(0, 7)) {
    case 0: {
      // random bytes
      const r = new Uint8Array(g.int(0, 256));
      for (let i = 0; i < r.length; i++) r[i] = g.int(0, 255);
      return r;
    }
    case 1: // bit flips
      for (let k = g.int(1, 8); k > 0; k--) b[g.int(0, b.length - 1)] ^= 1 << g.int(0, 7);
      return b;
    case 2: // truncation
      return b.subarray(0, g.int(0, b.length - 1));
    case 3: {
      // splice a slice of another body into this one
      const at = g.int(0, b.length);
      const from = g.int(0, other.length - 1);
      const piece = other.subarray(from, from + g.int(1, 200));
      const out = new Uint8Array(b.length + piece.length);
      out.set(b.subarray(0, at));
      out.set(piece, at);
      out.set(b.subarray(at), at + piece.length);
      return out;
    }
    case 4: {
      // length-field corruption: after a length-delimited tag, overwrite the length varint
      const starts: number[] = [];
      for (let i = 0; i + 1 < b.length; i++) if ((b[i] & 7) === 2) starts.push(i + 1);
      if (starts.length === 0) return b;
      const at = g.pick(starts);
      const lens = [[0], [0x7f], [0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0x0f], [b[at] + 1], [Math.max(0, b[at] - 1)], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]];
      const len = g.pick(lens);
      const out = new Uint8Array(b.length + len.length - 1);
      out.set(b.subarray(0, at));
      out.set(len, at);
      out.set(b.subarray(at + 1), at + len.length);
      return out;
    }
    case 5: // random byte overwrites
      for (let k = g.int(1, 4); k > 0; k--) b[g.int(0, b.length - 1)] = g.pick([0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x0b, 0x0f, 0x1c, g.int(0, 255)]);
      return b;
    case 6: {
      // duplicate a region (repeated fields, merges)
      const from = g.int(0, b.length - 1);
      const piece = b.subarray(from, from + g.int(1, 64));
      const out = new Uint8Array(b.length + piece.length);
      out.set(b);
      out.set(piece, b.length);
      return out;
    }
    default: {
      // deep nesting: many nested length-delimited headers (AnyValue arrays)
      const depth = g.int(1, 200);
      const out: number[] = [];
      for (let i = 0; i < depth; i++) out.push(g.pick([0x0a, 0x12, 0x2a, 0x32]), g.int(0, 255));
      return Uint8Array.from([...out, ...b.subarray(0, 50)]);
    }
  }
}

function check(input: Uint8Array, i: number, g: Gen): 'ok' | 'error' {
  const limits = g.pick(LIMITS);
  let decoded;
  try {
    decoded = decodeProtobuf(input, limits);
  } catch (e) {
    if (e instanceof OtlpDecodeError && CODES.has(e.code)) return 'error';
    assert.fail(`seed ${SEED}, case ${i}: decodeProtobuf threw ${e instanceof Error ? e.stack : String(e)}\ninput: ${hex(input)}`);
  }
  // whatever decodes is a valid model value: it re-encodes and decodes to itself
  try {
    assert.deepStrictEqual(decodeProtobuf(encodeProtobuf(decoded)), decoded);
  } catch (e) {
    assert.fail(`seed ${SEED}, case ${i}: the decoded value does not round-trip (${(e as Error).message.slice(0, 500)})\ninput: ${hex(input)}`);
  }
  return 'ok';
}

describe('fuzz', () => {
  it(`protobuf: ${CASES} random and mutated bodies give a request or OtlpDecodeError (PERF_FUZZ_SEED=${SEED})`, (t) => {
    t.diagnostic(`PERF_FUZZ_SEED=${SEED} PERF_FUZZ_CASES=${CASES}`);
    const g = new Gen(SEED);
    const bodies = corpus(g);
    let ok = 0;
    let errors = 0;
    for (let i = 0; i < CASES; i++) {
      const input = mutate(g, g.pick(bodies), g.pick(bodies));
      if (check(input, i, g) === 'ok') ok++;
      else errors++;
    }
    t.diagnostic(`decoded ${ok}, refused ${errors}`);
    // both outcomes must be exercised, or the mutations are not reaching the decoder's paths
    assert.ok(ok > CASES / 20 && errors > CASES / 20, `decoded ${ok}, refused ${errors}`);
  });

  it(`JSON: ${Math.ceil(CASES / 10)} bodies with values replaced by other types, and mangled text (PERF_FUZZ_SEED=${SEED})`, (t) => {
    const g = new Gen(SEED ^ 0x5a5a5a5a);
    const docs = Array.from({ length: 60 }, () => encodeJson(g.request())).filter((s) => s.length < 4000);
    const randomValue = (): unknown => g.pick([null, 0, -1, 1.5, 2 ** 64, '', 'x', '12', 'NaN', true, [], [1, 'a'], {}, { stringValue: 1 }]);
    let ok = 0;
    let errors = 0;
    const cases = Math.ceil(CASES / 10);
    for (let i = 0; i < cases; i++) {
      let text = g.pick(docs);
      if (g.bool(0.8)) {
        // structural: replace one value somewhere in the document by a value of another type
        const doc = JSON.parse(text);
        const nodes: [Record<string, unknown> | unknown[], string | number][] = [];
        const walk = (v: unknown) => {
          if (Array.isArray(v)) {
            v.forEach((x, k) => {
              nodes.push([v, k]);
              walk(x);
            });
          } else if (v !== null && typeof v === 'object') {
            for (const k of Object.keys(v)) {
              nodes.push([v as Record<string, unknown>, k]);
              walk((v as Record<string, unknown>)[k]);
            }
          }
        };
        walk(doc);
        for (let k = g.int(1, 3); k > 0 && nodes.length > 0; k--) {
          const [parent, key] = g.pick(nodes);
          (parent as Record<string | number, unknown>)[key] = randomValue();
        }
        text = JSON.stringify(doc);
      } else {
        const at = g.int(0, text.length - 1);
        text = g.bool() ? text.slice(0, at) : text.slice(0, at) + g.pick(['"', '{', ']', ',', '1', 'null', '\\u']) + text.slice(at + 1);
      }
      const limits = g.pick(LIMITS);
      try {
        decodeJson(text, limits);
        ok++;
      } catch (e) {
        if (e instanceof OtlpDecodeError && CODES.has(e.code)) errors++;
        else assert.fail(`seed ${SEED}, JSON case ${i}: decodeJson threw ${e instanceof Error ? e.stack : String(e)}\ninput: ${text.slice(0, 2000)}`);
      }
    }
    t.diagnostic(`decoded ${ok}, refused ${errors}`);
    assert.ok(ok > 0 && errors > 0);
  });
});
