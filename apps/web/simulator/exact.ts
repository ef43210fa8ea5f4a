/** The exact answers the simulator knows: every value it drew, with its weight, by second. */
export interface ExactAnswer {
  requests: number;
  errors: number;
  /** requests per second over the window */
  rps: number;
  errorRate: number;
  /** exact weighted quantiles (rank ⌈q·N⌉) of the values recorded, seconds */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  /** what averaging each node's own p99 would have said (the mistake merging avoids) */
  meanOfNodeP99: number;
  seconds: number;
}

interface SecondData {
  values: number[];
  weights: number[];
  nodes: number[];
  routes: number[];
  errors: number[];
}

export class ExactRecorder {
  private readonly bySecond = new Map<number, SecondData>();
  constructor(private readonly keepSeconds: number) {}

  record(second: number, node: number, route: number, value: number, weight: number, isError: boolean): void {
    if (this.keepSeconds <= 0) return;
    let d = this.bySecond.get(second);
    if (d === undefined) {
      d = { values: [], weights: [], nodes: [], routes: [], errors: [] };
      this.bySecond.set(second, d);
      for (const k of this.bySecond.keys()) if (k < second - this.keepSeconds) this.bySecond.delete(k);
    }
    d.values.push(value);
    d.weights.push(weight);
    d.nodes.push(node);
    d.routes.push(route);
    d.errors.push(isError ? 1 : 0);
  }

  answer(from: number, to: number, filter: { node?: number; route?: number }): ExactAnswer {
    const pairs: [number, number][] = [];
    const perNode = new Map<number, [number, number][]>();
    let requests = 0;
    let errors = 0;
    for (let s = from; s <= to; s++) {
      const d = this.bySecond.get(s);
      if (d === undefined) continue;
      for (let i = 0; i < d.values.length; i++) {
        if (filter.node !== undefined && d.nodes[i] !== filter.node) continue;
        if (filter.route !== undefined && d.routes[i] !== filter.route) continue;
        const w = d.weights[i];
        pairs.push([d.values[i], w]);
        requests += w;
        if (d.errors[i]) errors += w;
        let list = perNode.get(d.nodes[i]);
        if (list === undefined) perNode.set(d.nodes[i], (list = []));
        list.push([d.values[i], w]);
      }
    }
    let nodeP99 = 0;
    for (const list of perNode.values()) nodeP99 += weightedQuantile(list, 0.99);
    const seconds = to - from + 1;
    return {
      requests,
      errors,
      rps: requests / seconds,
      errorRate: requests > 0 ? errors / requests : 0,
      p50: weightedQuantile(pairs, 0.5),
      p90: weightedQuantile(pairs, 0.9),
      p99: weightedQuantile(pairs, 0.99),
      p999: weightedQuantile(pairs, 0.999),
      meanOfNodeP99: perNode.size > 0 ? nodeP99 / perNode.size : NaN,
      seconds,
    };
  }
}

/** The value at rank ⌈q·N⌉ of the weighted values (sorts `pairs` in place). */
export function weightedQuantile(pairs: [number, number][], q: number): number {
  if (pairs.length === 0) return NaN;
  pairs.sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const p of pairs) total += p[1];
  const rank = Math.max(1, Math.ceil(q * total - 1e-9));
  let seen = 0;
  for (const p of pairs) {
    seen += p[1];
    if (seen >= rank) return p[0];
  }
  return pairs[pairs.length - 1][0];
}
