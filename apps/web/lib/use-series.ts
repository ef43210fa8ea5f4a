// A chart's data: the whole range once, then (live) only the last few steps per tick merged into a bounded
// window; historical ranges refetch whole on their slow tick. A chart drawing several metrics (latency
// p50…p99.9) fetches them together and commits them in one state update: one Recharts render per tick
// instead of one per metric (measured: the latency chart's four separate answers cost four renders).
import { useEffect, useRef, useState } from 'react';
import type { Series, SeriesBy, SeriesMetric } from '../server/api/types.js';
import { apiGet, type Params } from './api.js';
import { mergeSeries } from './mappers/series.js';
import { RANGE_SPECS, windowParam, type ViewState } from './url-state.js';

export interface SeriesQuery {
  metric: SeriesMetric;
  by?: SeriesBy;
  /** Extra filters (`instance`, `route`, `method`) and `limit`. */
  params?: Params;
}

/** Steps fetched per live tick: the newest (partial) step plus a margin for a missed tick. */
const LIVE_STEPS = 5;

export interface SeriesSetResult {
  data: (Series | null)[];
  error: Error | null;
  loading: boolean;
}

export function useSeriesSet(queries: SeriesQuery[], view: ViewState, tick: number): SeriesSetResult {
  const spec = RANGE_SPECS[view.range];
  const bases: Params[] = queries.map((q) => ({ metric: q.metric, by: q.by, service: view.service, step: spec.step, ...q.params }));
  const key = `${JSON.stringify(bases)}|${view.range}`;
  const [state, setState] = useState<{ key: string; data: (Series | null)[]; error: Error | null }>({ key, data: [], error: null });
  const dataRef = useRef<(Series | null)[]>([]);
  const inflight = useRef<AbortController | null>(null);
  const basesRef = useRef(bases);
  basesRef.current = bases;

  const fetchAll = (seconds: number, signal: AbortSignal) =>
    Promise.all(basesRef.current.map((b) => apiGet<Series>('series', { ...b, window: windowParam(seconds) }, signal)));

  // Whole range when the queries or the range change.
  useEffect(() => {
    inflight.current?.abort();
    const ac = new AbortController();
    inflight.current = ac;
    dataRef.current = [];
    setState({ key, data: [], error: null });
    fetchAll(spec.seconds, ac.signal).then(
      (all) => {
        if (ac.signal.aborted) return;
        inflight.current = null;
        const from = Date.now() - spec.seconds * 1000;
        dataRef.current = all.map((s) => mergeSeries(null, s, from));
        setState({ key, data: dataRef.current, error: null });
      },
      (error: Error) => {
        if (ac.signal.aborted || error.name === 'AbortError') return;
        inflight.current = null;
        setState({ key, data: [], error });
      },
    );
    return () => {
      ac.abort();
      inflight.current = null;
    };
    // fetchAll reads the latest params through a ref; `key` captures every input
  }, [key, spec.seconds]);

  // Per tick: the tail (live) or everything again (historical). Not aborted by the next tick: a slow
  // answer still lands, and ticks are skipped while one is in flight, so a slow server is never flooded.
  const firstTick = useRef(true);
  useEffect(() => {
    if (firstTick.current) {
      firstTick.current = false;
      return;
    }
    if (inflight.current) return;
    // nothing loaded yet (the first answer failed: a dashboard catching up on ingest answers reads 503 for a moment):
    // the whole range again, so a chart does not stay on the error until its range changes
    const whole = dataRef.current.length === 0;
    const ac = new AbortController();
    inflight.current = ac;
    fetchAll(spec.live && !whole ? spec.step * LIVE_STEPS : spec.seconds, ac.signal).then(
      (all) => {
        if (ac.signal.aborted) return;
        inflight.current = null;
        const from = Date.now() - spec.seconds * 1000;
        dataRef.current = all.map((s, i) => (whole ? mergeSeries(null, s, from) : spec.live ? mergeSeries(dataRef.current[i] ?? null, s, from) : s));
        setState({ key, data: dataRef.current, error: null });
      },
      () => {
        inflight.current = null;
      },
    );
  }, [tick]);

  if (state.key !== key) return { data: [], error: null, loading: true };
  return { data: state.data, error: state.error, loading: state.data.length === 0 && state.error === null };
}

/** One metric (see useSeriesSet). */
export function useSeries(q: SeriesQuery, view: ViewState, tick: number): { data: Series | null; error: Error | null } {
  const r = useSeriesSet([q], view, tick);
  return { data: r.data[0] ?? null, error: r.error };
}
