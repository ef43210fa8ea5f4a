// React hooks shared by the client components: the view in the URL, the shared live stream, and API
// queries that refresh on each live tick without piling up requests.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useSearchParams } from 'next/navigation.js';
import { apiGet, type Params } from './api.js';
import { serverStreamState, stream, type StreamState } from './stream.js';
import { parseViewState, RANGE_SPECS, serializeViewState, type ViewState } from './url-state.js';
import { serverNow } from './server-clock.js';
import { fittingRange, useLongestRetention } from './retention.js';

/**
 * The view selected in the URL and a setter that rewrites the URL (history entry for service/range). A range longer
 * than the dashboard keeps data for reads as the longest one that fits (lib/retention.ts).
 */
export function useView(): [ViewState, (patch: Partial<ViewState>) => void] {
  const params = useSearchParams();
  const retention = useLongestRetention();
  const view = useMemo(() => {
    const v = parseViewState(new URLSearchParams(params?.toString() ?? ''));
    return { ...v, range: fittingRange(v.range, retention) };
  }, [params, retention]);
  const setView = useCallback(
    (patch: Partial<ViewState>) => {
      const next = { ...parseViewState(new URLSearchParams(window.location.search)), ...patch };
      const q = serializeViewState(next, new URLSearchParams(window.location.search));
      const href = `${window.location.pathname}${q ? `?${q}` : ''}`;
      // Next.js keeps useSearchParams in sync with native history calls; no server round trip needed.
      const onlyPause = Object.keys(patch).length === 1 && 'paused' in patch;
      if (onlyPause) window.history.replaceState(null, '', href);
      else window.history.pushState(null, '', href);
    },
    [],
  );
  return [view, setView];
}

/** The tab's shared stream, following the view's service filter. */
export function useStream(service: string | null): StreamState {
  useEffect(() => stream.setService(service), [service]);
  return useSyncExternalStore(stream.subscribe, stream.getState, serverStreamState);
}

/** True when the view follows live data right now (live range and not paused). */
export function isFollowing(view: ViewState): boolean {
  return RANGE_SPECS[view.range].live && !view.paused;
}

/**
 * A number that changes when data should be refetched: the stream's sequence while following live,
 * a slow clock (30 s) for historical ranges, frozen while paused.
 */
export function useTick(view: ViewState, state: StreamState): number {
  const [slow, setSlow] = useState(0);
  const live = RANGE_SPECS[view.range].live;
  useEffect(() => {
    if (live) return;
    const t = setInterval(() => setSlow((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, [live]);
  const frozen = useRef(0);
  if (!live) return -1 - slow;
  if (view.paused) return frozen.current;
  frozen.current = state.snapshot?.seq ?? 0;
  return frozen.current;
}

export interface Query<T> {
  data: T | null;
  error: Error | null;
  /** True until the first answer for the current params arrived. */
  loading: boolean;
}

/**
 * GET `/api/v1/<path>` when params change (the previous request is aborted) and again on every `tick`
 * change (skipped while one is still in flight, so a slow server is never flooded). Keeps the last good
 * data on error so a blip does not blank the page.
 */
export function useApi<T>(path: string | null, params: Params, tick: number): Query<T> {
  const key = path ? `${path}?${JSON.stringify(params)}` : '';
  const [state, setState] = useState<Query<T> & { key: string }>({ data: null, error: null, loading: true, key });
  const inflight = useRef<AbortController | null>(null);
  const paramsRef = useRef(params);
  paramsRef.current = params;

  const run = useCallback(
    (replace: boolean) => {
      if (!path) return;
      if (inflight.current) {
        if (!replace) return;
        inflight.current.abort();
      }
      const ac = new AbortController();
      inflight.current = ac;
      apiGet<T>(path, paramsRef.current, ac.signal).then(
        (data) => {
          if (ac.signal.aborted) return;
          inflight.current = null;
          setState({ data, error: null, loading: false, key });
        },
        (error: Error) => {
          if (ac.signal.aborted || error.name === 'AbortError') return;
          inflight.current = null;
          setState((s) => ({ data: s.key === key ? s.data : null, error, loading: false, key }));
        },
      );
    },
    [path, key],
  );

  useEffect(() => {
    setState((s) => (s.key === key ? s : { data: null, error: null, loading: true, key }));
    run(true);
    return () => {
      inflight.current?.abort();
      inflight.current = null;
    };
  }, [key, run]);

  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    run(false);
  }, [tick, run]);

  if (state.key !== key) return { data: null, error: null, loading: true };
  return state;
}

/** Now on the dashboard server's clock (server-clock.ts), refreshed every `ms` (for "last seen 5 s ago" cells). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => serverNow());
  useEffect(() => {
    const t = setInterval(() => setNow(serverNow()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** The stream's latest snapshot, or the one shown when the user paused (so paused means frozen). */
export function useShownSnapshot(view: ViewState, state: StreamState): StreamState['snapshot'] {
  const frozen = useRef<StreamState['snapshot']>(null);
  if (!view.paused || frozen.current === null) frozen.current = state.snapshot;
  return frozen.current;
}

/** How long a chart a link jumped to stays highlighted (ms); the CSS animation `target-flash` fades it over this. */
export const TARGET_FLASH_MS = 2400;

/**
 * Marks `el` as the target just jumped to: the class `target-flash` (globals.css) rings it and fades, so the eye
 * finds one chart in a grid of many. Restarted on each jump; removed after TARGET_FLASH_MS, also under
 * `prefers-reduced-motion` (where the ring is shown without the fade).
 */
function flashTarget(el: HTMLElement, timers: Map<HTMLElement, ReturnType<typeof setTimeout>>): void {
  // one chart at a time: the one jumped to before stops at once
  for (const [other, t] of timers) {
    if (other === el) continue;
    clearTimeout(t);
    other.classList.remove('target-flash');
    timers.delete(other);
  }
  el.classList.remove('target-flash');
  void el.offsetWidth; // restart the animation on a second jump to the same chart
  el.classList.add('target-flash');
  clearTimeout(timers.get(el));
  timers.set(
    el,
    setTimeout(() => {
      el.classList.remove('target-flash');
      timers.delete(el);
    }, TARGET_FLASH_MS),
  );
}

/**
 * Scrolls to the element the URL's `#hash` names (a chart a finding links to) once the page has rendered
 * it, and again when the hash changes: client-side navigation renders the charts after the browser's own
 * attempt, and charts above it change height as their data arrives, so it retries once after they settle.
 * The element is highlighted briefly (flashTarget): `:target` alone missed a jump from another page (Next.js
 * navigates by `history.pushState`, which does not set `:target`) and a second click on the same link.
 */
export function useScrollToHash(): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flashes = new Map<HTMLElement, ReturnType<typeof setTimeout>>();
    const go = () => {
      const id = decodeURIComponent(window.location.hash.slice(1));
      if (!id) return;
      let flashed = false;
      const scroll = () => {
        const el = document.getElementById(id);
        el?.scrollIntoView({ block: 'start' });
        if (el && !flashed) flashTarget(el, flashes);
        flashed ||= el !== null;
      };
      requestAnimationFrame(scroll);
      clearTimeout(timer);
      timer = setTimeout(scroll, 800);
    };
    // the same `#chart-…` link clicked again: no hashchange, but the user asked to be shown the chart again
    const onClick = (e: globalThis.MouseEvent) => {
      const a = (e.target as Element | null)?.closest?.('a[href^="#"]');
      if (a && a.getAttribute('href') === window.location.hash) go();
    };
    go();
    window.addEventListener('hashchange', go);
    document.addEventListener('click', onClick);
    return () => {
      clearTimeout(timer);
      for (const t of flashes.values()) clearTimeout(t);
      window.removeEventListener('hashchange', go);
      document.removeEventListener('click', onClick);
    };
  }, []);
}
