'use client';
// The one line chart every `chart-line-*.tsx` renders, drawn on a canvas of our own: a live page redraws
// its charts every second, and Recharts' fixed cost per render (an SVG tree rebuilt through React, the
// axes measured in the DOM) was most of a live update's main-thread time with 1,000 nodes (BENCHMARKS.md,
// "UI"). A canvas redraw of a few hundred points is a fraction of a millisecond. Readable axis units, a
// tooltip with exact values (mouse, or arrow keys when the chart has focus), and a figure caption and
// canvas label that name the chart for screen readers.
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { formatCount, formatExact, formatValue, niceCeil, type UnitKind } from '../lib/format.js';
import { formatClock, formatDateTime, formatDayClock } from '../lib/format-time.js';
import type { ReadoutText } from '../lib/mappers/readout.js';
import type { ChartRow } from '../lib/mappers/series.js';
import { yScaleOf, type ClippedPoint } from '../lib/mappers/y-scale.js';

export interface ChartColumn {
  /** key in the rows */
  key: string;
  /** legend/tooltip label (defaults to key) */
  label?: string;
  color?: string;
}

export interface ChartLineProps {
  title: string;
  /** data-testid and element id of the figure (tests and `#chart-…` links from findings find charts by it) */
  testId: string;
  kind: UnitKind;
  rows: ChartRow[];
  columns: ChartColumn[];
  height?: number;
  /** the readout next to the title: the latest value and what it covers (lib/mappers/readout.ts) */
  readout?: ReadoutText;
  loading?: boolean;
  error?: Error | null;
  /** when the range spans more than a day, ticks show the weekday */
  longRange?: boolean;
  /** what the chart says when it has no point (default "No data in this range") */
  emptyText?: string;
  /**
   * Let isolated spikes stand above the axis (drawn clipped at the top edge with a marker, true value in the
   * tooltip) instead of setting it: for latency percentiles, where one slow request must not flatten p50
   * (lib/mappers/y-scale.ts). Sustained values always fit.
   */
  clipSpikes?: boolean;
}

/** Top of the y axis when every value is 0 (an axis of 0..0 would say nothing). */
const EMPTY_MAX: Record<UnitKind, number> = { seconds: 0.001, ratio: 0.01, bytes: 1024, rps: 1, count: 1 };
// the top margin holds the ▲ of a value clipped at the top edge; the heatmap uses the same left and right
export const MARGIN = { left: 72, right: 10, top: 9, bottom: 20 };
const Y_TICKS = 5;
const PALETTE = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)', 'var(--c7)', 'var(--c8)'];

/** Four evenly spaced time ticks inside the range (the heatmap under the charts uses the same ones). */
export function timeTicks(a: number, b: number): number[] {
  if (b <= a) return [a];
  return [0.1, 0.37, 0.63, 0.9].map((f) => Math.round(a + (b - a) * f));
}

interface Scale {
  t0: number;
  t1: number;
  yMax: number;
  /** values above yMax, drawn at the top edge with a ▲ */
  clipped: ClippedPoint[];
}

function scaleOf(rows: ChartRow[], columns: ChartColumn[], kind: UnitKind, clipSpikes: boolean): Scale {
  const keys = columns.map((c) => c.key);
  const { yMax, clipped } = yScaleOf(rows, keys, EMPTY_MAX[kind], niceCeil, clipSpikes);
  return { t0: rows[0]?.t ?? 0, t1: rows[rows.length - 1]?.t ?? 0, yMax, clipped };
}

/** Index of the row nearest to time t (rows ascend by t). */
function nearest(rows: ChartRow[], t: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && t - rows[lo - 1].t < rows[lo].t - t ? lo - 1 : lo;
}

/** `var(--c1)` → the colour the stylesheet gives it here (canvas cannot resolve CSS variables). */
function resolveColor(style: CSSStyleDeclaration, color: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(color);
  return m ? style.getPropertyValue(m[1]).trim() || '#888' : color;
}

function ChartLineImpl({ title, testId, kind, rows, columns, height = 180, readout, loading, error, longRange, emptyText, clipSpikes = false }: ChartLineProps) {
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<number | null>(null);
  const [themeTick, setThemeTick] = useState(0);
  const hasData = rows.length > 0;
  const scale = useMemo(() => scaleOf(rows, columns, kind, clipSpikes), [rows, columns, kind, clipSpikes]);
  const axisTime = useCallback((t: number) => (longRange ? formatDayClock(t) : formatClock(t)), [longRange]);
  const yLabel = useCallback((v: number) => (kind === 'rps' ? formatCount(v) : formatValue(kind, v)), [kind]);

  // the canvas follows its box (window resizes, the grid reflowing) and the theme
  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    setWidth(canvas.clientWidth);
    const ro = new ResizeObserver(() => setWidth(canvas.clientWidth));
    ro.observe(canvas);
    return () => ro.disconnect();
  }, [hasData]);
  useEffect(() => {
    const bump = () => setThemeTick((n) => n + 1);
    window.addEventListener('perf-theme', bump);
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    mq?.addEventListener('change', bump);
    return () => {
      window.removeEventListener('perf-theme', bump);
      mq?.removeEventListener('change', bump);
    };
  }, []);

  const hoverIndex = hover !== null && hover < rows.length ? hover : null;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !hasData || width === 0) return;
    draw(canvas, { width, height, rows, columns, scale, hover: hoverIndex, axisTime, yLabel });
    // themeTick: colours are read from the stylesheet at draw time
  }, [rows, columns, scale, width, height, hoverIndex, axisTime, yLabel, hasData, themeTick]);

  const xOf = (t: number) => {
    const w = Math.max(1, width - MARGIN.left - MARGIN.right);
    return MARGIN.left + (scale.t1 > scale.t0 ? ((t - scale.t0) / (scale.t1 - scale.t0)) * w : w / 2);
  };
  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const x = e.clientX - e.currentTarget.getBoundingClientRect().left;
    const w = Math.max(1, width - MARGIN.left - MARGIN.right);
    const t = scale.t0 + ((x - MARGIN.left) / w) * (scale.t1 - scale.t0);
    setHover(nearest(rows, t));
  };
  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      const step = e.key === 'ArrowLeft' ? -1 : 1;
      setHover((h) => Math.min(rows.length - 1, Math.max(0, (h ?? rows.length - 1) + (h === null ? 0 : step))));
    } else if (e.key === 'Escape') setHover(null);
  };

  const last = rows[rows.length - 1];
  const label = hasData
    ? `${title}, latest: ${columns.map((c) => `${c.label ?? c.key} ${formatExact(kind, last[c.key] ?? null)}`).join(', ')}`
    : title;
  const tipRow = hoverIndex === null ? null : rows[hoverIndex];
  const tipX = tipRow ? xOf(tipRow.t) : 0;
  const highest = scale.clipped.reduce<ClippedPoint | null>((m, c) => (m === null || c.value > m.value ? c : m), null);
  const labelOf = (key: string) => columns.find((c) => c.key === key)?.label ?? key;

  return (
    <figure
      className="chart panel line-chart"
      id={testId}
      data-testid={testId}
      aria-label={title}
      data-points={rows.length}
      data-first-t={hasData ? rows[0].t : undefined}
      data-last-t={hasData ? last.t : undefined}
      data-y-max={hasData ? scale.yMax : undefined}
      data-clipped={scale.clipped.length}
    >
      <figcaption>
        <span className="title">{title}</span>
        {readout ? (
          <span className="readout" title={readout.title ?? undefined}>
            <span className="num" data-testid={`${testId}-readout`}>
              {readout.text}
            </span>
            {readout.note ? (
              <span className="muted" data-testid={`${testId}-readout-note`}>
                {' '}
                · {readout.note}
              </span>
            ) : null}
          </span>
        ) : null}
      </figcaption>
      {!hasData ? (
        <div className="empty" data-testid={`${testId}-empty`}>
          {error ? `Could not load: ${error.message}` : loading ? 'Loading…' : (emptyText ?? 'No data in this range')}
        </div>
      ) : (
        <div className="plot" style={{ height }}>
          <canvas
            ref={canvasRef}
            role="img"
            aria-label={label}
            tabIndex={0}
            style={{ height }}
            onMouseMove={onMove}
            onMouseLeave={() => setHover(null)}
            onKeyDown={onKey}
            onBlur={() => setHover(null)}
          />
          {tipRow ? (
            <div className="tooltip line-tip" role="status" style={tipX > width / 2 ? { right: width - tipX + 12 } : { left: tipX + 12 }}>
              <div className="muted">{formatDateTime(tipRow.t)}</div>
              {columns.map((c, i) => (
                <div className="row" key={c.key}>
                  <span>
                    <span className="swatch" style={{ background: c.color ?? PALETTE[i % PALETTE.length] }} />
                    {c.label ?? c.key}
                  </span>
                  <span className="num">
                    {formatExact(kind, tipRow[c.key] ?? null)}
                    {(tipRow[c.key] ?? 0) > scale.yMax ? <span title="above the axis, drawn clipped at its top"> ▲</span> : null}
                  </span>
                </div>
              ))}
            </div>
          ) : null}
        </div>
      )}
      {hasData && (columns.length > 1 || highest) ? (
        <div className="legend">
          {columns.length > 1
            ? columns.map((c, i) => (
                <span key={c.key} aria-hidden="true">
                  <span className="swatch" style={{ background: c.color ?? PALETTE[i % PALETTE.length] }} />
                  {c.label ?? c.key}
                </span>
              ))
            : null}
          {highest ? (
            <span className="clip-note" data-testid={`${testId}-clipped`} title="Rare spikes are drawn clipped at the top of the axis so the other lines stay readable; hover for exact values">
              ▲ {scale.clipped.length === 1 ? '1 spike' : `${scale.clipped.length} spike points`} above the axis, up to {labelOf(highest.key)} {formatValue(kind, highest.value)} at{' '}
              {axisTime(rows[highest.row].t)}
            </span>
          ) : null}
        </div>
      ) : null}
    </figure>
  );
}

interface DrawInput {
  width: number;
  height: number;
  rows: ChartRow[];
  columns: ChartColumn[];
  scale: Scale;
  hover: number | null;
  axisTime: (t: number) => string;
  yLabel: (v: number) => string;
}

function draw(canvas: HTMLCanvasElement, { width, height, rows, columns, scale, hover, axisTime, yLabel }: DrawInput): void {
  const dpr = window.devicePixelRatio || 1;
  const pw = Math.round(width * dpr);
  const ph = Math.round(height * dpr);
  if (canvas.width !== pw) canvas.width = pw;
  if (canvas.height !== ph) canvas.height = ph;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const style = getComputedStyle(canvas);
  const muted = resolveColor(style, 'var(--muted)');
  const grid = resolveColor(style, 'var(--grid)');
  const left = MARGIN.left;
  const top = MARGIN.top;
  const w = Math.max(1, width - MARGIN.left - MARGIN.right);
  const h = Math.max(1, height - MARGIN.top - MARGIN.bottom);
  const x = (t: number) => left + (scale.t1 > scale.t0 ? ((t - scale.t0) / (scale.t1 - scale.t0)) * w : w / 2);
  const y = (v: number) => top + h - (Math.min(v, scale.yMax) / scale.yMax) * h;

  // grid and y labels
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  ctx.strokeStyle = grid;
  ctx.fillStyle = muted;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.beginPath();
  for (let k = 0; k < Y_TICKS; k++) {
    const v = (scale.yMax * k) / (Y_TICKS - 1);
    const py = Math.round(y(v)) + 0.5;
    ctx.moveTo(left, py);
    ctx.lineTo(left + w, py);
    ctx.fillText(yLabel(v), left - 6, py);
  }
  ctx.stroke();
  // x axis and time labels
  ctx.strokeStyle = muted;
  ctx.beginPath();
  ctx.moveTo(left, top + h + 0.5);
  ctx.lineTo(left + w, top + h + 0.5);
  ctx.stroke();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of timeTicks(scale.t0, scale.t1)) ctx.fillText(axisTime(t), x(t), top + h + 5);

  // the lines: a gap where a value is missing
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  columns.forEach((c, i) => {
    const color = resolveColor(style, c.color ?? PALETTE[i % PALETTE.length]);
    ctx.strokeStyle = color;
    ctx.beginPath();
    // a value with no neighbour (one point of a young store's long range, or between gaps) is a dot: a line of one
    // point draws nothing
    const lone: [number, number][] = [];
    let run = 0;
    let last: [number, number] = [0, 0];
    for (const r of rows) {
      const v = r[c.key];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        if (run === 1) lone.push(last);
        run = 0;
        continue;
      }
      last = [x(r.t), y(v)];
      if (run > 0) ctx.lineTo(last[0], last[1]);
      else ctx.moveTo(last[0], last[1]);
      run++;
    }
    if (run === 1) lone.push(last);
    ctx.stroke();
    ctx.fillStyle = color;
    for (const [px, py] of lone) {
      ctx.beginPath();
      ctx.arc(px, py, 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  });

  // values above the axis: a ▲ at the top edge, in the line's colour, over the clipped line
  for (const c of scale.clipped) {
    const i = columns.findIndex((col) => col.key === c.key);
    ctx.fillStyle = resolveColor(style, columns[i].color ?? PALETTE[i % PALETTE.length]);
    const px = x(rows[c.row].t);
    ctx.beginPath();
    ctx.moveTo(px, top - 8);
    ctx.lineTo(px - 4.5, top);
    ctx.lineTo(px + 4.5, top);
    ctx.closePath();
    ctx.fill();
  }

  // the hovered time: a cursor line and a dot on each line
  if (hover !== null) {
    const r = rows[hover];
    const px = Math.round(x(r.t)) + 0.5;
    ctx.strokeStyle = muted;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, top + h);
    ctx.stroke();
    columns.forEach((c, i) => {
      const v = r[c.key];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      ctx.fillStyle = resolveColor(style, c.color ?? PALETTE[i % PALETTE.length]);
      ctx.beginPath();
      ctx.arc(x(r.t), y(v), 3, 0, Math.PI * 2);
      ctx.fill();
    });
  }
}

export const ChartLine = memo(ChartLineImpl);
