'use client';
// Latency percentiles over time (p50/p90/p99/p99.9 from merged histograms), for the fleet, a node or a route. A rare
// p99.9 spike is drawn clipped above the axis rather than setting it (lib/mappers/y-scale.ts).
import { useMemo } from 'react';
import type { SeriesBy } from '../server/api/types.js';
import type { Params } from '../lib/api.js';
import { chartReadout } from '../lib/mappers/readout.js';
import { joinColumns } from '../lib/mappers/series.js';
import { useSeriesSet } from '../lib/use-series.js';
import { RANGE_SPECS, type ViewState } from '../lib/url-state.js';
import { ChartLine } from './chart-line.js';

const COLUMNS = [
  { key: 'p50', label: 'p50', color: 'var(--c2)' },
  { key: 'p90', label: 'p90', color: 'var(--c1)' },
  { key: 'p99', label: 'p99', color: 'var(--c3)' },
  { key: 'p999', label: 'p99.9', color: 'var(--c4)' },
];

export function ChartLineLatency({ view, tick, params, by, title = 'Latency' }: { view: ViewState; tick: number; params?: Params; by?: SeriesBy; title?: string }) {
  const set = useSeriesSet(
    [
      { metric: 'latency.p50', by, params },
      { metric: 'latency.p90', by, params },
      { metric: 'latency.p99', by, params },
      { metric: 'latency.p999', by, params },
    ],
    view,
    tick,
  );
  const [p50, p90, p99, p999] = set.data;
  const rows = useMemo(() => joinColumns({ p50, p90, p99, p999 }), [p50, p90, p99, p999]);
  const readout = useMemo(() => chartReadout(p99, 'seconds', 'p99'), [p99]);
  return (
    <ChartLine
      title={title}
      testId="chart-latency"
      kind="seconds"
      rows={rows}
      columns={COLUMNS}
      readout={readout}
      loading={set.loading}
      error={set.error}
      longRange={RANGE_SPECS[view.range].seconds > 86_400}
      clipSpikes
    />
  );
}
