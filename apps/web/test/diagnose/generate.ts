// Seeded generated fleets for the rules' unit tests: healthy per-second series with noise, and sicknesses
// applied to chosen nodes/routes from a chosen second on.

import type { DiagnosisInput, NodeWindow, RouteWindow } from '../../server/diagnose/types.js';
import { mulberry32 } from '@perf/metrics';

/** mulberry32: small, fast, seedable */
export const rng = mulberry32;

/** A Poisson-distributed count with the given mean, from `rand` (uniform in [0, 1)): errors arriving a few a second. */
export function poisson(rand: () => number, mean: number): number {
  const u = rand();
  let k = 0;
  for (let p = Math.exp(-mean), c = p; u > c && k < 50; k++, p *= mean / k, c += p);
  return k;
}

const MB = 1024 * 1024;

export const ROUTES = [
  { method: 'GET', route: '/api/users/:id', share: 0.6, p50: 0.004 },
  { method: 'POST', route: '/api/orders', share: 0.3, p50: 0.01 },
  { method: 'GET', route: '/health', share: 0.1, p50: 0.001 },
] as const;

export interface FleetOptions {
  nodes?: number;
  seconds?: number;
  seed?: number;
  service?: string;
  /** requests per second per node */
  rps?: number;
  /** leave per-node routes out (fleet-scale inputs) */
  noNodeRoutes?: boolean;
}

function filled(len: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = f(i);
  return out;
}

/** A healthy fleet: every series noisy around a steady level. */
export function healthyFleet(o: FleetOptions = {}): DiagnosisInput {
  const nodesCount = o.nodes ?? 6;
  const len = o.seconds ?? 120;
  const r = rng(o.seed ?? 1);
  const flight = rng((o.seed ?? 1) * 7919);
  const service = o.service ?? 'shop';
  const baseRps = o.rps ?? 100;
  const noise = (level: number, rel: number) => level * (1 + (r() * 2 - 1) * rel);
  const times = Array.from({ length: len }, (_, i) => 1_700_000_000_000 + i * 1000);
  const nodes: NodeWindow[] = [];
  for (let k = 0; k < nodesCount; k++) {
    const rps = filled(len, () => noise(baseRps, 0.15));
    const heapBase = 30 * MB + r() * 10 * MB;
    const routes: RouteWindow[] = ROUTES.map((rt) => ({
      route: rt.route,
      method: rt.method,
      service,
      rps: filled(len, (i) => rps[i] * rt.share * noise(1, 0.1)),
      errorRate: filled(len, () => (r() < 0.1 ? 0.01 * r() : 0)),
      latencyP50: filled(len, () => noise(rt.p50, 0.2)),
      latencyP99: filled(len, () => noise(rt.p50 * 4, 0.4)),
      timeShare: filled(len, () => noise(rt.share * rt.p50 / 0.0055, 0.1)),
    }));
    nodes.push({
      instance: `node-${k}`,
      service,
      host: `host-${k % 3}`,
      rps,
      errorRate: filled(len, () => (r() < 0.1 ? 0.005 * r() : 0)),
      latencyP50: filled(len, () => noise(0.005, 0.2)),
      latencyP99: filled(len, () => noise(0.02, 0.4)),
      eventLoopDelayP99: filled(len, () => noise(0.012, 0.2)),
      eventLoopDelayMax: filled(len, () => noise(0.02, 0.5)),
      elu: filled(len, () => noise(0.2, 0.3)),
      cpu: filled(len, () => noise(0.25, 0.3)),
      // young-generation saw-tooth: fills ~3 MB/s, drops every ~5 s
      heapUsed: filled(len, (i) => heapBase + ((i + k) % 5) * 3 * MB + r() * MB),
      heapLimit: filled(len, () => 4096 * MB),
      rss: filled(len, () => noise(120 * MB, 0.02)),
      gcShare: filled(len, () => noise(0.01, 0.5)),
      gcPauseMax: filled(len, () => noise(0.003, 0.5)),
      fds: filled(len, () => Math.round(noise(40, 0.2))),
      fdLimit: filled(len, () => 65536),
      listenOverflows: filled(len, () => 0),
      listenQueue: filled(len, () => 0),
      listenDrops: filled(len, () => 0),
      // requests in flight at each export: their rate × their duration (Little's law), ≈ 0.5 at 100/s of 5 ms (drawn
      // from a generator of their own: the fleets the other tests were written against stay as they were)
      inFlight: filled(len, (i) => poisson(flight, rps[i] * 0.005)),
      routes: o.noNodeRoutes ? undefined : routes,
    });
  }
  const routes: RouteWindow[] = ROUTES.map((rt) => ({
    route: rt.route,
    method: rt.method,
    service,
    rps: filled(len, (i) => nodes.reduce((s, n) => s + (n.routes ? n.routes.find((x) => x.route === rt.route)!.rps[i] : n.rps[i] * rt.share), 0)),
    errorRate: filled(len, () => (r() < 0.1 ? 0.002 * r() : 0)),
    latencyP50: filled(len, () => noise(rt.p50, 0.1)),
    latencyP99: filled(len, () => noise(rt.p50 * 4, 0.25)),
    timeShare: filled(len, () => noise(rt.share * rt.p50 / 0.0055, 0.05)),
  }));
  return { times, nodes, routes };
}

type NodeKey = Exclude<keyof NodeWindow, 'instance' | 'service' | 'host' | 'routes' | 'startedAt' | 'inFlightRoutes'>;
type RouteKey = Exclude<keyof RouteWindow, 'route' | 'method' | 'service' | 'latencyMean' | 'usual'>;

/** Overwrites a node's series from second `from` (negative: counted from the end) with `f(i, old)`. */
export function sickenNode(input: DiagnosisInput, instance: string, key: NodeKey, from: number, f: (i: number, old: number) => number): void {
  const n = input.nodes.find((x) => x.instance === instance)!;
  // optional series (cgroup throttling) start empty
  const s = (n[key] ??= new Float64Array(n.rps.length).fill(NaN));
  const start = from < 0 ? s.length + from : from;
  for (let i = start; i < s.length; i++) s[i] = f(i, s[i]);
}

/** The same for a route: fleet-wide (instance null) or on one node. */
export function sickenRoute(input: DiagnosisInput, instance: string | null, route: string, key: RouteKey, from: number, f: (i: number, old: number) => number): void {
  const list = instance === null ? input.routes : input.nodes.find((x) => x.instance === instance)!.routes!;
  const r = list.find((x) => x.route === route)!;
  // optional series (aborted requests) start empty
  const s = (r[key] ??= new Float64Array(r.rps.length).fill(NaN));
  const start = from < 0 ? s.length + from : from;
  for (let i = start; i < s.length; i++) s[i] = f(i, s[i]);
}
