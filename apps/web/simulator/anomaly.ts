/**
 * Anomalies the simulator can inject, parsed from `--anomaly` strings:
 *   node:3:latency*5     node 3's requests take 5× longer
 *   node:3:latency*5@route:1  node 3's requests on route 1 take 5× longer (one node's pool to a downstream)
 *   route:2:latency*4    route 2 takes 4× longer on every node
 *   node:3:errors=0.2    node 3 answers 20% of requests with 500
 *   route:1:errors=0.5
 *   node:3:eventloop*20  node 3's event-loop delay × 20 (and ELU near 1)
 *   node:3:down@30       node 3 stops exporting 30 s into the run
 *   node:3:rps*3         node 3 gets 3× the traffic
 *   node:3:gc=0.3        node 3 spends 30% of each second in GC pauses (ten pauses, and its CPU busy with them;
 *                        from 10% on it exports allocation profiles, as the agent would: see profile.ts)
 *   node:3:leak=10       node 3's heap grows 10 MB a second, kept for good (after 10 s of it the node exports a
 *                        heap profile of what it holds, as the agent would: see profile.ts)
 * A node whose loop they make busy (≥ 70%, or stalls ≥ 50 ms: eventloop, rps*3 and more, gc ≥ 0.45) also
 * exports a CPU profile of what it runs, as the agent would (see profile.ts).
 */
export interface Anomaly {
  target: 'node' | 'route';
  index: number;
  kind: 'latency' | 'errors' | 'eventloop' | 'down' | 'rps' | 'gc' | 'leak';
  value: number;
  /** node latency only: the one route it slows on that node (else every route) */
  route?: number;
}

export function parseAnomaly(text: string): Anomaly {
  const one = /^node:(\d+):latency\*([\d.]+)@route:(\d+)$/.exec(text.trim());
  if (one) return { target: 'node', index: Number(one[1]), kind: 'latency', value: Number(one[2]), route: Number(one[3]) };
  const m = /^(node|route):(\d+):(latency|eventloop|rps)\*([\d.]+)$|^(node|route):(\d+):(errors)=([\d.]+)$|^(node):(\d+):(gc)=(0?\.\d+|0|1)$|^(node):(\d+):(leak)=(\d+(?:\.\d+)?)$|^(node):(\d+):(down)@([\d.]+)$/.exec(text.trim());
  if (!m) throw new Error(`--anomaly "${text}" is not understood: use e.g. node:3:latency*5, node:3:latency*5@route:1, route:2:errors=0.2, node:3:down@30, node:1:eventloop*20, node:0:rps*3, node:2:gc=0.3, node:4:leak=10`);
  const g = m.slice(1).filter((x) => x !== undefined);
  return { target: g[0] as Anomaly['target'], index: Number(g[1]), kind: g[2] as Anomaly['kind'], value: Number(g[3]) };
}
