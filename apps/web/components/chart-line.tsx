'use client';
// The one line chart every `chart-line-*.tsx` renders: Recharts without animation (a live chart that
// animates every second burns the main thread), readable axis units, a tooltip with exact values, and a
// figure caption that names the chart for screen readers.
import { memo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatClock, formatCount, formatDayClock, formatExact, formatValue, niceCeil, type UnitKind } from '../lib/format.js';
import type { ChartRow } from '../lib/mappers/series.js';

export interface ChartColumn {
  /** key in the rows */
  key: string;
  /** legend/tooltip label (defaults to key) */
  label?: string;
  color?: string;
}

export interface ChartLineProps {
  title: string;
  /** data-testid of the figure (tests find charts by it) */
  testId: string;
  kind: UnitKind;
  rows: ChartRow[];
  columns: ChartColumn[];
  height?: number;
  /** the readout next to the title (e.g. the latest value) */
  readout?: string;
  loading?: boolean;
  error?: Error | null;
  /** when the range spans more than a day, ticks show the weekday */
  longRange?: boolean;
}

/** Top of the y axis when every value is 0 (Recharts would otherwise pick an arbitrary 0..4). */
const EMPTY_MAX: Record<UnitKind, number> = { seconds: 0.001, ratio: 0.01, bytes: 1024, rps: 1, count: 1 };

/**
 * Four evenly spaced time ticks chosen here: with explicit ticks and `interval={0}` Recharts skips
 * measuring every candidate label in the DOM on each render (measured: text measurement and
 * getBoundingClientRect were a fifth of a live update's script time).
 */
function timeTicks(rows: ChartRow[]): number[] {
  if (rows.length === 0) return [];
  const a = rows[0].t;
  const b = rows[rows.length - 1].t;
  if (b <= a) return [a];
  return [0.1, 0.37, 0.63, 0.9].map((f) => Math.round(a + (b - a) * f));
}

const PALETTE = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)', 'var(--c7)', 'var(--c8)'];

function ChartLineImpl({ title, testId, kind, rows, columns, height = 180, readout, loading, error, longRange }: ChartLineProps) {
  const axisTime = longRange ? formatDayClock : (t: number) => formatClock(t);
  const hasData = rows.length > 0;
  return (
    <figure className="chart panel" data-testid={testId} aria-label={title} data-points={rows.length} data-last-t={rows.length ? rows[rows.length - 1].t : undefined}>
      <figcaption>
        <span className="title">{title}</span>
        {readout ? (
          <span className="num" data-testid={`${testId}-readout`}>
            {readout}
          </span>
        ) : null}
      </figcaption>
      {!hasData ? (
        <div className="empty">{error ? `Could not load: ${error.message}` : loading ? 'Loading…' : 'No data in this range'}</div>
      ) : (
        <LineChart
          responsive
          style={{ width: '100%', height }}
          data={rows}
          margin={{ top: 4, right: 8, bottom: 0, left: 0 }}
          title={title}
          desc={`${title}: ${columns.map((c) => c.label ?? c.key).join(', ')} over time`}
        >
          <CartesianGrid stroke="var(--grid)" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            ticks={timeTicks(rows)}
            interval={0}
            tickFormatter={axisTime}
            stroke="var(--muted)"
            fontSize={11}
          />
          <YAxis
            domain={[0, (max: number) => (max > 0 ? niceCeil(max) : EMPTY_MAX[kind])]}
            tickCount={5}
            tickFormatter={(v: number) => (kind === 'rps' ? formatCount(v) : formatValue(kind, v))}
            interval={0}
            stroke="var(--muted)"
            fontSize={11}
            width={72}
          />
          <Tooltip
            isAnimationActive={false}
            content={({ active, payload, label }) =>
              active && payload && payload.length ? (
                <div className="tooltip">
                  <div className="muted">{new Date(Number(label)).toLocaleString()}</div>
                  {payload.map((p) => (
                    <div className="row" key={String(p.dataKey)}>
                      <span>
                        <span className="swatch" style={{ background: p.color }} />
                        {p.name}
                      </span>
                      <span className="num">{formatExact(kind, p.value as number | null)}</span>
                    </div>
                  ))}
                </div>
              ) : null
            }
          />
          {columns.map((c, i) => (
            <Line
              key={c.key}
              dataKey={c.key}
              name={c.label ?? c.key}
              stroke={c.color ?? PALETTE[i % PALETTE.length]}
              dot={false}
              strokeWidth={1.5}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
        </LineChart>
      )}
      {hasData && columns.length > 1 ? (
        <div className="legend" aria-hidden="true">
          {columns.map((c, i) => (
            <span key={c.key}>
              <span className="swatch" style={{ background: c.color ?? PALETTE[i % PALETTE.length] }} />
              {c.label ?? c.key}
            </span>
          ))}
        </div>
      ) : null}
    </figure>
  );
}

export const ChartLine = memo(ChartLineImpl);
