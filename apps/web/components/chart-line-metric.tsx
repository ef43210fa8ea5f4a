'use client';
// One metric over time from `/api/v1/series` (fleet-wide, or one line per node/route/service with `by`):
// req/s, error rate, event-loop delay, ELU, CPU, heap, RSS, GC share, handles.
import { memo, useMemo } from 'react';
import type { SeriesBy, SeriesMetric } from '../server/api/types.js';
import type { Params } from '../lib/api.js';
import type { UnitKind } from '../lib/format.js';
import { chartReadout } from '../lib/mappers/readout.js';
import { pivotLines, type ChartRow } from '../lib/mappers/series.js';
import { useSeries } from '../lib/use-series.js';
import { RANGE_SPECS, type ViewState } from '../lib/url-state.js';
import { ChartLine } from './chart-line.js';

/** The unit of each metric the series endpoint serves. */
export const METRIC_KIND: Record<SeriesMetric, UnitKind> = {
  rps: 'rps',
  errorRate: 'ratio',
  'latency.p50': 'seconds',
  'latency.p90': 'seconds',
  'latency.p99': 'seconds',
  'latency.p999': 'seconds',
  'eventLoopDelay.p99': 'seconds',
  'eventLoopDelay.max': 'seconds',
  elu: 'ratio',
  cpu: 'ratio',
  heapUsed: 'bytes',
  rss: 'bytes',
  gcShare: 'ratio',
  handles: 'count',
  fds: 'count',
  listenQueue: 'count',
  cpuThrottled: 'ratio',
  runDelay: 'ratio',
  aborted: 'rps',
  inFlight: 'count',
};

export interface ChartLineMetricProps {
  title: string;
  testId: string;
  metric: SeriesMetric;
  by?: SeriesBy;
  params?: Params;
  view: ViewState;
  tick: number;
  maxLines?: number;
  /**
   * Said instead of an empty plot when the range has no value at all (e.g. "no CPU quota": the metric exists only
   * on some nodes); without it such a chart draws empty axes.
   */
  emptyText?: string;
}

const NO_ROWS: ChartRow[] = [];

function ChartLineMetricImpl({ title, testId, metric, by, params, view, tick, maxLines = 8, emptyText }: ChartLineMetricProps) {
  const s = useSeries({ metric, by, params }, view, tick);
  const { rows, columns } = useMemo(() => pivotLines(s.data, maxLines), [s.data, maxLines]);
  const kind = METRIC_KIND[metric];
  const noValue = useMemo(() => rows.every((r) => columns.every((c) => r[c] === null || r[c] === undefined)), [rows, columns]);
  // one line: fleet-wide, or one node picked by `instance`
  const single = !by || by === 'fleet' || (by === 'node' && params?.instance != null);
  // a stable array, so the memoised chart skips the parent's per-tick re-render until new data lands
  const chartColumns = useMemo(() => columns.map((c) => ({ key: c, label: single ? title : c })), [columns, single, title]);
  const readout = useMemo(() => (single ? chartReadout(s.data, kind) : undefined), [single, s.data, kind]);
  return (
    <ChartLine
      title={title}
      testId={testId}
      kind={kind}
      rows={emptyText !== undefined && noValue ? NO_ROWS : rows}
      columns={chartColumns}
      emptyText={emptyText}
      readout={readout}
      loading={!s.data && !s.error}
      error={s.error}
      longRange={RANGE_SPECS[view.range].seconds > 86_400}
      clipSpikes={metric.startsWith('latency.')}
    />
  );
}

export const ChartLineMetric = memo(ChartLineMetricImpl);
