// Units that read well at a glance (three significant digits, the unit chosen by magnitude) and exact
// values for tooltips. Every formatter takes the API's base unit (seconds, ratio 0..1, bytes, req/s) and
// renders a missing value (null, NaN, ±Infinity) as an em dash rather than "NaN ms".

export const MISSING = '—';

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Three significant digits without exponent notation or trailing zeros after the point ("12.3", "120", "0.5"). */
export function sig3(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 100) return String(Math.round(v));
  const digits = abs >= 10 ? 1 : abs >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  const s = v.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Seconds → "850 µs", "12.3 ms", "1.25 s", "2.5 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!finite(seconds)) return MISSING;
  const abs = Math.abs(seconds);
  if (abs === 0) return '0 ms';
  if (abs < 1e-3) {
    // 999.6 µs would round to "1000 µs": promote to ms instead.
    const us = seconds * 1e6;
    return Math.abs(Math.round(us)) >= 1000 ? `${sig3(seconds * 1e3)} ms` : `${sig3(us)} µs`;
  }
  if (abs < 1) {
    const ms = seconds * 1e3;
    return Math.abs(Math.round(ms)) >= 1000 ? `${sig3(seconds)} s` : `${sig3(ms)} ms`;
  }
  if (abs < 120) return `${sig3(seconds)} s`;
  return `${sig3(seconds / 60)} min`;
}

/** Requests per second → "0.5", "950", "12.3k", "1.2M" (without the unit; see formatRps). */
export function formatCount(v: number | null | undefined): string {
  if (!finite(v)) return MISSING;
  const abs = Math.abs(v);
  if (abs < 1000) return sig3(v);
  if (abs < 999_500) return `${sig3(v / 1e3)}k`;
  if (abs < 999_500_000) return `${sig3(v / 1e6)}M`;
  return `${sig3(v / 1e9)}G`;
}

export function formatRps(v: number | null | undefined): string {
  return finite(v) ? `${formatCount(v)} req/s` : MISSING;
}

/** Ratio 0..1 → "0.52 %", "12.5 %", "100 %"; tiny non-zero ratios stay visible ("<0.01 %"). */
export function formatPercent(ratio: number | null | undefined): string {
  if (!finite(ratio)) return MISSING;
  const pct = ratio * 100;
  if (pct === 0) return '0 %';
  if (Math.abs(pct) < 0.01) return '<0.01 %';
  if (Math.abs(pct) < 10) return `${pct.toFixed(2).replace(/\.?0+$/, '')} %`;
  return `${sig3(pct)} %`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes → "512 B", "12.3 MiB", "1.5 GiB" (binary units, as heap limits and RSS are reasoned about). */
export function formatBytes(bytes: number | null | undefined): string {
  if (!finite(bytes)) return MISSING;
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${sig3(v)} ${BYTE_UNITS[i]}`;
}

/** A plain count ("1,234 handles"). */
export function formatInteger(v: number | null | undefined): string {
  if (!finite(v)) return MISSING;
  return Math.round(v).toLocaleString('en-US');
}

/** Milliseconds elapsed → "now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgo(elapsedMs: number | null | undefined): string {
  if (!finite(elapsedMs)) return MISSING;
  const s = Math.max(0, Math.round(elapsedMs / 1000));
  if (s < 2) return 'now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** A span of seconds for labels ("2 s", "10 s", "5 min", "1 h", "7 d"): a chart's step, a tile's window. */
export function formatSpan(seconds: number): string {
  if (!finite(seconds)) return MISSING;
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 3600 || (s < 7200 && s % 3600 !== 0)) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export type UnitKind = 'seconds' | 'ratio' | 'bytes' | 'rps' | 'count';

/** The short formatter for a unit kind (axis ticks, table cells). */
export function formatValue(kind: UnitKind, v: number | null | undefined): string {
  switch (kind) {
    case 'seconds':
      return formatDuration(v);
    case 'ratio':
      return formatPercent(v);
    case 'bytes':
      return formatBytes(v);
    case 'rps':
      return formatRps(v);
    case 'count':
      return formatCount(v);
  }
}

/** The exact value for a tooltip: full precision in the base unit next to the readable form. */
export function formatExact(kind: UnitKind, v: number | null | undefined): string {
  if (!finite(v)) return MISSING;
  const readable = formatValue(kind, v);
  switch (kind) {
    case 'seconds':
      return `${readable} (${Number(v.toPrecision(9))} s)`;
    case 'ratio':
      return `${readable} (${Number(v.toPrecision(9))})`;
    case 'bytes':
      return `${readable} (${Math.round(v).toLocaleString('en-US')} B)`;
    case 'rps':
      return `${readable} (${Number(v.toPrecision(9)).toLocaleString('en-US', { maximumFractionDigits: 3 })} req/s)`;
    case 'count':
      return Number(v.toPrecision(9)).toLocaleString('en-US', { maximumFractionDigits: 3 });
  }
}

/** The next "nice" number ≥ v (1, 2, 2.5, 4, 5 or 10 × a power of ten), for the top of a chart axis. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 4, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}
