// A node's series states as ingest finds them: by position in the export first, by key for new or moved series,
// created under the service's and the fleet's series caps.
import type { Attributes } from '@perf/metrics';
import type { NodeState } from '../store/node.js';
import type { ServiceState } from '../store/FleetStore.js';
import { newState, type SeriesState } from './series.js';
import { attributesKey, boundedKey } from './series-key.js';
import type { Applier } from './apply.js';

/** positions per metric whose series state is cached (a node's export rarely holds more points of one metric) */
const MAX_CACHED_POSITIONS = 65_536;

/** The node's cache of its series states of metric `name` by position in its export (cachedState), made on first use. */
export function seriesCacheOf(node: NodeState, name: string): (SeriesState | undefined)[] {
  let cache = node.seriesCache.get(name) as (SeriesState | undefined)[] | undefined;
  if (cache === undefined) {
    cache = [];
    node.seriesCache.set(name, cache);
  }
  return cache;
}

/** Whether `attrs` are the series' attributes (primitive values compared; any other value takes the keyed path). */
function sameAttributes(st: SeriesState, attrs: Attributes): boolean {
  const own = st.attrs!;
  let n = 0;
  for (const k in attrs) {
    const v = attrs[k];
    if (v !== own[k] || (typeof v === 'object' && v !== null)) return false;
    n++;
  }
  return n === st.attrCount;
}

/**
 * The series state, created when the service is under its cap; undefined when folded. Sets
 * `applier.firstSeen` (whether the state was created by this call).
 */
function state(applier: Applier, service: ServiceState, node: NodeState, key: string): SeriesState | undefined {
  const st = node.states.get(key) as SeriesState | undefined;
  applier.firstSeen = st === undefined;
  if (st !== undefined) return st;
  const refs = service.seriesKeys.get(key);
  // a new distinct series: under its service's cap, and the fleet's (200 services × 10,000 series each reached 1.6 GB
  // and a 7.8 s loop delay: verification of the security audit), but for a service's first few (see overFleetCap)
  if (refs === undefined && (service.seriesKeys.size >= applier.store.options.maxSeriesPerService || overFleetCap(applier, service))) {
    applier.store.fold(service, key);
    return undefined;
  }
  service.seriesKeys.set(key, (refs ?? 0) + 1);
  const created = newState();
  node.states.set(key, created);
  service.series++;
  return created;
}

/**
 * Whether a new series of `service` is over the fleet's cap (PERF_MAX_SERIES). A service's first hundredth of that
 * cap (at most 256 series: an agent's routes × statuses) is kept even past it, up to a quarter over in all: six
 * services flooding routes, each within its own cap, filled the fleet's in 4 s, after which a new service's requests
 * were all folded and read 0 (an outside audit).
 */
function overFleetCap(applier: Applier, service: ServiceState): boolean {
  const max = applier.store.options.maxSeries;
  const distinct = applier.store.distinctSeries();
  if (distinct < max) return false;
  return service.seriesKeys.size >= Math.min(256, Math.floor(max / 100)) || distinct >= max + Math.floor(max / 4);
}

/**
 * The state of point `i` of a metric: senders export the same series in the same order every time, so
 * the state found for position i last time is tried first (its attributes compared value by value);
 * the keyed lookup (attribute key string, maps) runs only for new or moved series. Sets `applier.firstSeen`.
 */
export function cachedState(applier: Applier, service: ServiceState, node: NodeState, metricName: string, cache: (SeriesState | undefined)[], i: number, attrs: Attributes): SeriesState | undefined {
  const cached = cache[i];
  if (cached !== undefined && sameAttributes(cached, attrs)) {
    applier.firstSeen = false;
    return cached;
  }
  const st = state(applier, service, node, boundedKey(metricName + '#' + attributesKey(attrs)));
  if (st !== undefined && i < MAX_CACHED_POSITIONS) {
    st.attrs = attrs;
    st.attrCount = Object.keys(attrs).length;
    while (cache.length < i) cache.push(undefined);
    cache[i] = st;
  }
  return st;
}
