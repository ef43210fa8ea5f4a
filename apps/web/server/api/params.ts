import { parseDuration } from '../store/config.js';
import { ApiHttpError } from './router.js';
import type { SeriesBy, SeriesMetric } from './types.js';
import { SERIES_METRICS } from '../query/FleetView.js';

/** `window=` / `step=` as seconds (`60`, `60s`, `5m`, `1h`, `7d`); `fallback` when absent. */
export function durationParam(query: URLSearchParams, name: string, fallback: number | undefined, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const v = parseDuration(raw);
  if (Number.isNaN(v)) throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `${name}="${raw}" is not a duration; use e.g. 60s, 5m, 1h`);
  if (!(v > 0)) throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `${name}="${raw}" is out of range: it must be more than 0 s and at most the longest retention (${max} s)`);
  if (v > max) throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `${name}="${raw}" is longer than the longest retention (${max} s)`);
  return Math.ceil(v);
}

export function stringParam(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null || v === '' ? undefined : v;
}

export function metricParam(query: URLSearchParams): SeriesMetric {
  const m = query.get('metric');
  if (m === null) throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `metric= is required: one of ${SERIES_METRICS.join(', ')}`);
  if (!(SERIES_METRICS as readonly string[]).includes(m)) throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `metric="${m}" is unknown: use one of ${SERIES_METRICS.join(', ')}`);
  return m as SeriesMetric;
}

export function byParam(query: URLSearchParams): SeriesBy {
  const b = query.get('by');
  if (b === null || b === '') return 'fleet';
  if (b !== 'fleet' && b !== 'node' && b !== 'route' && b !== 'service') throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `by="${b}" is unknown: use node, route or service (or leave it out for the fleet)`);
  return b;
}

export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `${name}="${raw}" must be an integer from ${min} to ${max}`);
  return v;
}
