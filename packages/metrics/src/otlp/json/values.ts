// Readers of JSON values for the OTLP/JSON mapping, each checking the type it expects and throwing a
// DecodeFailure with `at` = the key it was given (the callers prepend the rest of the path), plus the
// per-decode budget from DecodeLimits.
import { DecodeFailure, OtlpErrorCode as Code, within } from '../errors.js';
import { CountsArena } from '../counts.js';
import type { Temporality } from '../model.js';

export type Obj = Record<string, unknown>;

/**
 * What is left of DecodeLimits in the current decode, and where its bucket counts go (both reset by
 * decodeJson; a decode is synchronous). countsLeft bounds the counts the rest of the text can hold.
 */
export const budget = { pointsLeft: 0, metricsLeft: 0, maxBuckets: 0, maxDepth: 0, counts: new CountsArena(), countsLeft: 0 };

export function bad(at: string, expected: string, v: unknown): never {
  const got = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 40))}` : `${typeof v} ${String(v).slice(0, 40)}`;
  throw new DecodeFailure(Code.BAD_FIELD, `expected ${expected}, got ${got}`, at);
}

export function object(v: unknown, at: string): Obj | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) bad(at, 'an object', v);
  return v as Obj;
}

/** Reads a JSON array element by element into `out`, prefixing failures with `at[i]`. */
export function list<T>(v: unknown, at: string, out: T[], read: (item: unknown) => T): void {
  if (v === null || v === undefined) return;
  if (!Array.isArray(v)) bad(at, 'an array', v);
  let i = 0;
  try {
    for (; i < v.length; i++) out.push(read(v[i]));
  } catch (e) {
    throw within(e, `${at}[${i}]`);
  }
}

export function str(v: unknown, at: string): string {
  if (typeof v === 'string') {
    // A lone surrogate (from a `\ud800` escape) has no UTF-8 form: refused as the protobuf reader refuses
    // invalid UTF-8, so that both formats accept the same strings.
    if (!(v as WellFormed).isWellFormed()) throw new DecodeFailure(Code.BAD_UTF8, 'a string holds a lone surrogate (not valid UTF-8)', at);
    return v;
  }
  if (v === null || v === undefined) return '';
  bad(at, 'a string', v);
}

/** String.prototype.isWellFormed (ES2024, in Node.js 20) is not in the ES2023 lib this package compiles against. */
type WellFormed = string & { isWellFormed(): boolean };

export function bool(v: unknown, at: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null || v === undefined) return false;
  bad(at, 'true or false', v);
}

/** Decimal text as proto3 JSON parsers accept it for numeric fields (exponents included). */
const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const U64_MAX = 18446744073709551615;
const I64_MAX = 9223372036854775807;
const U64_TOP = 18446744073709549568; // 2^64 - 2048
const I64_TOP = 9223372036854774784; // 2^63 - 1024

/** An integer field (uint64/int64/uint32/int32): a JSON number or a decimal string, within [min, max]. */
export function integer(v: unknown, at: string, min: number, max: number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && NUMBER_TEXT.test(v)) n = Number(v);
  else if (v === null || v === undefined) return 0;
  else bad(at, 'an integer (number or decimal string)', v);
  if (!Number.isInteger(n) || n < min || n > max) bad(at, `an integer in [${min}, ${max}]`, v);
  // as in the protobuf reader: values that round to 2^64 / 2^63 read as the largest double below
  return n < max ? n : max === U64_MAX ? U64_TOP : max === I64_MAX ? I64_TOP : n;
}
export const U64 = (v: unknown, at: string) => integer(v, at, 0, U64_MAX);
export const I64 = (v: unknown, at: string) => integer(v, at, -9223372036854775808, I64_MAX);
export const U32 = (v: unknown, at: string) => integer(v, at, 0, 4294967295);
export const I32 = (v: unknown, at: string) => integer(v, at, -2147483648, 2147483647);

export function dbl(v: unknown, at: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (NUMBER_TEXT.test(v)) return Number(v);
  }
  if (v === null || v === undefined) return 0;
  bad(at, 'a number (or "NaN", "Infinity", "-Infinity")', v);
}

export function optionalDbl(v: unknown, at: string): number | undefined {
  return v === null || v === undefined ? undefined : dbl(v, at);
}

const TEMPORALITY_NAMES: Record<string, Temporality> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 'unspecified',
  AGGREGATION_TEMPORALITY_DELTA: 'delta',
  AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative',
};

export function temporality(v: unknown, at: string): Temporality {
  if (typeof v === 'string' && Object.hasOwn(TEMPORALITY_NAMES, v)) return TEMPORALITY_NAMES[v];
  const n = I32(v, at);
  // proto3 enums are open: unknown numbers read as 'unspecified', as in the protobuf reader
  return n === 2 ? 'cumulative' : n === 1 ? 'delta' : 'unspecified';
}
