// The heatmap's data: the whole range once, then (live) the last few steps per tick merged in, on the span of both
// answers' buckets (mergeHeatmap); only when they cannot share them (over the server's 160 rows) is the whole range
// fetched again. Trimmed to the range as the line charts' data is (use-series.ts), so the heatmap under them covers
// the same steps.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Heatmap } from '../server/api/types.js';
import { apiGet, type Params } from './api.js';
import { mergeHeatmap, trimHeatmap } from './mappers/heatmap.js';
import { RANGE_SPECS, windowParam, type ViewState } from './url-state.js';

export function useHeatmap(view: ViewState, tick: number, params?: Params): { data: Heatmap | null; error: Error | null } {
  const spec = RANGE_SPECS[view.range];
  const base = { service: view.service, step: spec.step, ...params };
  const key = `${JSON.stringify(base)}|${view.range}`;
  const [state, setState] = useState<{ key: string; data: Heatmap | null; error: Error | null }>({ key, data: null, error: null });
  const dataRef = useRef<Heatmap | null>(null);
  const inflight = useRef<AbortController | null>(null);
  const baseRef = useRef(base);
  baseRef.current = base;

  const fetchAll = useCallback(() => {
    inflight.current?.abort();
    const ac = new AbortController();
    inflight.current = ac;
    apiGet<Heatmap>('heatmap', { ...baseRef.current, window: windowParam(spec.seconds) }, ac.signal).then(
      (hm) => {
        if (ac.signal.aborted) return;
        inflight.current = null;
        // the steps the line charts keep (useSeriesSet trims the same way): the server's first step starts at a
        // step boundary up to a step before the range, which the charts drop and the heatmap used to show
        const trimmed = trimHeatmap(hm, Date.now() - spec.seconds * 1000);
        dataRef.current = trimmed;
        setState({ key, data: trimmed, error: null });
      },
      (error: Error) => {
        if (ac.signal.aborted || error.name === 'AbortError') return;
        inflight.current = null;
        setState((s) => ({ key, data: s.key === key ? s.data : null, error }));
      },
    );
    return ac;
  }, [key, spec.seconds]);

  useEffect(() => {
    dataRef.current = null;
    setState({ key, data: null, error: null });
    const ac = fetchAll();
    return () => {
      ac.abort();
      inflight.current = null;
    };
  }, [fetchAll, key]);

  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (inflight.current || !dataRef.current) return;
    if (!spec.live) {
      fetchAll();
      return;
    }
    const ac = new AbortController();
    inflight.current = ac;
    apiGet<Heatmap>('heatmap', { ...baseRef.current, window: windowParam(spec.step * 5) }, ac.signal).then(
      (fresh) => {
        inflight.current = null;
        const merged = dataRef.current ? mergeHeatmap(dataRef.current, fresh, Date.now() - spec.seconds * 1000) : null;
        if (!merged) {
          fetchAll(); // the buckets cannot be shared: take the whole range again
          return;
        }
        dataRef.current = merged;
        setState({ key, data: merged, error: null });
      },
      () => {
        inflight.current = null;
      },
    );
  }, [tick]);

  return state.key === key ? { data: state.data, error: state.error } : { data: null, error: null };
}
