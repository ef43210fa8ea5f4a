// Input checks and the errors they raise.
import { HistogramError } from '../errors.js';
import { NO_COUNTS } from '../otlp/counts.js';
import type { ExponentialBuckets } from '../otlp/model.js';
import { maxIndex, minIndex } from './mapping.js';

export function isCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

/** Validates one sign's OTLP buckets; returns the non-empty range and the total. */
export function checkBuckets(b: ExponentialBuckets, scale: number, sign: string): { counts: Float64Array; first: number; last: number; total: number } {
  const counts = b.bucketCounts;
  let total = 0;
  let first = 0;
  let last = -1;
  let seen = false;
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k];
    if (!isCount(n)) throw invalid(`${sign} bucket count at ${k} must be a non-negative integer, got ${n}`);
    if (n === 0) continue;
    if (!seen) first = b.offset + k;
    seen = true;
    last = b.offset + k;
    total += n;
  }
  if (last >= first && (!Number.isInteger(b.offset) || first < minIndex(scale) || last > maxIndex(scale))) {
    throw invalid(`${sign} buckets ${first}..${last} lie outside the double range at scale ${scale} (${minIndex(scale)}..${maxIndex(scale)})`);
  }
  return { counts: last >= first ? counts : NO_COUNTS, first, last, total };
}

export function invalid(what: string): HistogramError {
  return new HistogramError('PERF_HIST_INVALID_DATA', `Invalid exponential histogram data: ${what}. Drop this point; it does not follow the OTLP data model.`);
}

export function notMonotonic(what: string): HistogramError {
  return new HistogramError(
    'PERF_HIST_NOT_MONOTONIC',
    `The newer cumulative histogram holds less than the older one (${what}): the series was reset (e.g. the process restarted). Treat the newer point as the delta.`,
  );
}
