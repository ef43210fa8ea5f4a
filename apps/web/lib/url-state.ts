// The view's selection, kept in the URL so a link shows the same view: which service, which time range,
// whether live updates are paused. One typed place parses and writes it; pages never read raw params.

/** Live ranges follow the stream; the others read the rollup tiers (by default 10 s, 1 min and 10 min resolution). */
export const RANGES = ['live-5m', 'live-15m', '1h', '6h', '24h', '7d'] as const;
export type RangeKey = (typeof RANGES)[number];

export interface ViewState {
  /** `service.name` to filter on; null = every service in the fleet. */
  service: string | null;
  range: RangeKey;
  /** Live updates frozen (the charts keep what they show); only meaningful for live ranges. */
  paused: boolean;
}

export const DEFAULT_VIEW: ViewState = { service: null, range: 'live-5m', paused: false };

interface RangeSpec {
  label: string;
  /** Length of the range, seconds. */
  seconds: number;
  /**
   * Chart resolution, seconds: ~150–360 points per chart whatever the range (live: 150–180, because a
   * Recharts render costs in proportion to its points and live charts render every second).
   */
  step: number;
  live: boolean;
}

export const RANGE_SPECS: Record<RangeKey, RangeSpec> = {
  'live-5m': { label: 'Live 5 min', seconds: 300, step: 2, live: true },
  'live-15m': { label: 'Live 15 min', seconds: 900, step: 5, live: true },
  '1h': { label: 'Last 1 h', seconds: 3600, step: 10, live: false },
  '6h': { label: 'Last 6 h', seconds: 21_600, step: 60, live: false },
  '24h': { label: 'Last 24 h', seconds: 86_400, step: 300, live: false },
  '7d': { label: 'Last 7 d', seconds: 604_800, step: 1800, live: false },
};

/** Window of the headline numbers (KPI tiles, tables): the last 10 s when live, else the whole range. */
export function statsWindowSeconds(range: RangeKey): number {
  return RANGE_SPECS[range].live ? 10 : RANGE_SPECS[range].seconds;
}

/** `window=` parameter as the API takes it (`60s`). */
export function windowParam(seconds: number): string {
  return `${Math.round(seconds)}s`;
}

export function isRangeKey(v: unknown): v is RangeKey {
  return typeof v === 'string' && (RANGES as readonly string[]).includes(v);
}

type ParamSource = URLSearchParams | Record<string, string | string[] | undefined>;

function first(src: ParamSource, key: string): string | undefined {
  if (src instanceof URLSearchParams) return src.get(key) ?? undefined;
  const v = src[key];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads the view from URL params; anything missing or malformed falls back to the default. */
export function parseViewState(src: ParamSource): ViewState {
  const service = first(src, 'service')?.trim();
  const range = first(src, 'range');
  const paused = first(src, 'paused');
  return {
    service: service ? service : null,
    range: isRangeKey(range) ? range : DEFAULT_VIEW.range,
    paused: paused === '1' || paused === 'true',
  };
}

/**
 * Writes the view into `base` (other params are kept), leaving defaults out so links stay short.
 * Returns the query string without `?` ('' when everything is default).
 */
export function serializeViewState(view: ViewState, base?: URLSearchParams): string {
  const p = new URLSearchParams(base);
  p.delete('service');
  p.delete('range');
  p.delete('paused');
  if (view.service) p.set('service', view.service);
  if (view.range !== DEFAULT_VIEW.range) p.set('range', view.range);
  if (view.paused && RANGE_SPECS[view.range].live) p.set('paused', '1');
  return p.toString();
}

/** `path?query` for a view, for links that keep the selection across pages. */
export function hrefFor(path: string, view: ViewState, extra?: Record<string, string>): string {
  const base = new URLSearchParams(extra);
  const q = serializeViewState(view, base);
  return q ? `${path}?${q}` : path;
}
