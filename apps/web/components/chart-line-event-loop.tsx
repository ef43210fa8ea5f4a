'use client';
// Event-loop delay p99 and max over time: the first thing to look at when latency rises on every route.
import { useMemo } from 'react';
import type { SeriesBy } from '../server/api/types.js';
import type { Params } from '../lib/api.js';
import { chartReadout } from '../lib/mappers/readout.js';
import { joinColumns } from '../lib/mappers/series.js';
import { useSeriesSet } from '../lib/use-series.js';
import { RANGE_SPECS, type ViewState } from '../lib/url-state.js';
import { ChartLine } from './chart-line.js';

const COLUMNS = [
  { key: 'p99', label: 'p99', color: 'var(--c5)' },
  { key: 'max', label: 'max', color: 'var(--c4)' },
];

export function ChartLineEventLoop({ view, tick, params, by }: { view: ViewState; tick: number; params?: Params; by?: SeriesBy }) {
  const set = useSeriesSet(
    [
      { metric: 'eventLoopDelay.p99', by, params },
      { metric: 'eventLoopDelay.max', by, params },
    ],
    view,
    tick,
  );
  const [p99, max] = set.data;
  const rows = useMemo(() => joinColumns({ p99, max }), [p99, max]);
  const readout = useMemo(() => chartReadout(p99, 'seconds', 'p99'), [p99]);
  return (
    <ChartLine
      title="Event-loop delay"
      testId="chart-event-loop"
      kind="seconds"
      rows={rows}
      columns={COLUMNS}
      readout={readout}
      loading={set.loading}
      error={set.error}
      longRange={RANGE_SPECS[view.range].seconds > 86_400}
    />
  );
}
