// The services' rows (`/services`): node counts, series and routes of each service.
import type { FleetStore } from '../store/FleetStore.js';
import type { ServiceInfo } from '../api/types.js';
import { isUp } from './liveness.js';

export function services(store: FleetStore, now: number): ServiceInfo[] {
  const out: ServiceInfo[] = [];
  for (const s of store.services.values()) {
    let up = 0;
    let stopped = 0;
    for (const n of s.nodes.values()) {
      if (isUp(store, n, now)) up++;
      else if (n.stoppedAt !== undefined) stopped++;
    }
    out.push({
      name: s.name,
      nodesUp: up,
      nodesDown: s.nodes.size - up - stopped,
      nodesStopped: stopped,
      series: s.seriesKeys.size,
      seriesCap: store.options.maxSeriesPerService,
      instanceSeries: s.series,
      foldedSeries: s.foldedSeries,
      foldedPoints: s.foldedPoints,
      routes: s.routes.size,
      lastSeen: s.lastSeen,
    });
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}
