'use client';
// The latency distribution over time, drawn on a canvas (Recharts has no heatmap, and an SVG of 300 steps ×
// 60 buckets would be 18,000 DOM nodes redrawn every second). Rows are the merged histograms' log-spaced
// buckets, colour is the request count on a log scale, lines are p50 and p99.
import { useEffect, useRef, useState, type MouseEvent } from 'react';
import type { Heatmap } from '../server/api/types.js';
import type { Params } from '../lib/api.js';
import { formatDuration, formatInteger } from '../lib/format.js';
import { formatClock, formatDayClock } from '../lib/format-time.js';
import { bucketBound, cellAt, columnWidth, HEAT_DARK, HEAT_LIGHT, heatPalette, intensity, latencyY, timeX, TOP_HEADROOM, visibleBuckets, type Plot } from '../lib/mappers/heatmap.js';
import { effectiveTheme } from '../lib/theme.js';
import { useHeatmap } from '../lib/use-heatmap.js';
import { RANGE_SPECS, type ViewState } from '../lib/url-state.js';
import { MARGIN, timeTicks } from './chart-line.js';

const HEIGHT = 220;
const PALETTE_LIGHT = heatPalette(HEAT_LIGHT);
const PALETTE_DARK = heatPalette(HEAT_DARK);

export function ChartHeatmapLatency({ view, tick, params, title = 'Latency distribution' }: { view: ViewState; tick: number; params?: Params; title?: string }) {
  const { data, error } = useHeatmap(view, tick, params);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const [hover, setHover] = useState<{ x: number; y: number; text: string[] } | null>(null);
  const [themeTick, setThemeTick] = useState(0);

  useEffect(() => {
    const bump = () => setThemeTick((n) => n + 1);
    window.addEventListener('perf-theme', bump);
    const mq = window.matchMedia?.('(prefers-color-scheme: dark)');
    mq?.addEventListener('change', bump);
    window.addEventListener('resize', bump);
    return () => {
      window.removeEventListener('perf-theme', bump);
      mq?.removeEventListener('change', bump);
      window.removeEventListener('resize', bump);
    };
  }, []);

  const range = data ? visibleBuckets(data) : null;
  const longRange = RANGE_SPECS[view.range].seconds > 86_400;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !data) return;
    draw(canvas, data, range, longRange);
    // themeTick: redraw with the other palette; range derives from data
  }, [data, range?.lo, range?.hi, themeTick, longRange]);

  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    if (!data || !range) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const cell = cellAt(data, range, plotArea(rect.width), x, y);
    if (!cell) return setHover(null);
    const count = data.counts[cell.t]?.[cell.b] ?? 0;
    setHover({
      x,
      y,
      text: [
        `${formatClock(data.times[cell.t])} (${data.step} s step)`,
        `${formatDuration(bucketBound(data, cell.b))} – ${formatDuration(bucketBound(data, cell.b + 1))}`,
        `${formatInteger(count)} requests`,
        `p50 ${formatDuration(data.p50[cell.t])} · p99 ${formatDuration(data.p99[cell.t])}`,
      ],
    });
  };

  const lastP99 = data ? [...data.p99].reverse().find((v) => v !== null) ?? null : null;
  const lastP50 = data ? [...data.p50].reverse().find((v) => v !== null) ?? null : null;
  const label = data && range ? `${title}: latest p50 ${formatDuration(lastP50)}, p99 ${formatDuration(lastP99)}` : title;

  return (
    <figure
      className="chart panel heatmap"
      id="chart-heatmap"
      data-testid="chart-heatmap"
      data-steps={data?.times.length ?? 0}
      data-first-t={data?.times[0]}
      data-last-t={data?.times[data.times.length - 1]}
      data-y-top={data && range ? bucketBound(data, range.hi) : undefined}
      data-slowest={data && range ? bucketBound(data, range.hi - TOP_HEADROOM) : undefined}
      aria-label={title}
    >
      <figcaption>
        <span className="title">{title}</span>
        <span className="legend">
          <span>
            <span className="swatch" style={{ background: 'var(--fg)' }} />
            p50
          </span>
          <span>
            <span className="swatch" style={{ background: 'var(--fg)', opacity: 0.5 }} />
            p99 (dashed)
          </span>
          <span>colour: requests per bucket (log)</span>
        </span>
      </figcaption>
      {!data || !range ? (
        <div className="empty">{error ? `Could not load: ${error.message}` : data ? 'No requests in this range' : 'Loading…'}</div>
      ) : (
        <>
          <canvas ref={canvasRef} role="img" aria-label={label} tabIndex={0} style={{ height: HEIGHT }} onMouseMove={onMove} onMouseLeave={() => setHover(null)} />
          {hover ? (
            <div className="tooltip hm-tip" style={{ left: Math.min(hover.x + 12, 9999), top: hover.y + 12 }}>
              {hover.text.map((t) => (
                <div key={t}>{t}</div>
              ))}
            </div>
          ) : null}
        </>
      )}
    </figure>
  );
}

function plotArea(width: number): Plot {
  return { left: MARGIN.left, top: MARGIN.top, width: Math.max(1, width - MARGIN.left - MARGIN.right), height: HEIGHT - MARGIN.top - MARGIN.bottom };
}

function draw(canvas: HTMLCanvasElement, hm: Heatmap, range: { lo: number; hi: number } | null, longRange: boolean): void {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(HEIGHT * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, HEIGHT);
  if (!range) return;
  const dark = effectiveTheme() === 'dark';
  const palette = dark ? PALETTE_DARK : PALETTE_LIGHT;
  const top = palette.length - 1;
  const fg = dark ? '#e6e9ee' : '#1b1f24';
  const muted = dark ? '#9aa3ae' : '#5b6470';
  const plot = plotArea(width);
  const steps = hm.times.length;
  const rows = range.hi - range.lo;
  const cw = columnWidth(hm, plot);
  const rh = plot.height / rows;
  // columns centred on their step's time, as the line charts above place that step's point: the first and last
  // columns are cut at the plot's edges
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top, plot.width, plot.height);
  ctx.clip();
  for (let t = 0; t < steps; t++) {
    const col = hm.counts[t];
    const x = timeX(hm, plot, hm.times[t]) - cw / 2;
    for (let b = Math.max(0, range.lo); b < range.hi; b++) {
      const c = col[b];
      if (!c) continue;
      ctx.fillStyle = palette[Math.round(intensity(c, hm.maxCount) * top)];
      const y = plot.top + (range.hi - 1 - b) * rh;
      // +0.5 px overlap hides hairline gaps between cells at fractional widths
      ctx.fillRect(x, y, cw + 0.5, rh + 0.5);
    }
  }
  ctx.restore();
  const line = (values: (number | null)[], dash: number[], alpha: number) => {
    ctx.save();
    ctx.strokeStyle = fg;
    ctx.globalAlpha = alpha;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(dash);
    ctx.beginPath();
    let pen = false;
    for (let t = 0; t < steps; t++) {
      const v = values[t];
      const fy = v === null ? null : latencyY(hm, range, v);
      if (fy === null) {
        pen = false;
        continue;
      }
      const x = timeX(hm, plot, hm.times[t]);
      const y = plot.top + fy * plot.height;
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
    ctx.restore();
  };
  line(hm.p50, [], 0.9);
  line(hm.p99, [4, 3], 0.7);
  // y labels: bucket lower bounds, spaced ≥ 18 px apart
  ctx.fillStyle = muted;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const every = Math.max(1, Math.ceil(18 / rh));
  for (let b = range.lo; b <= range.hi; b += every) {
    const y = plot.top + (range.hi - b) * rh;
    ctx.fillText(formatDuration(bucketBound(hm, b)), plot.left - 6, y);
  }
  // x labels: the line charts' ticks at the same times, so a time reads the same in both
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of timeTicks(hm.times[0], hm.times[steps - 1])) {
    ctx.fillText(longRange ? formatDayClock(t) : formatClock(t), timeX(hm, plot, t), plot.top + plot.height + 5);
  }
}
