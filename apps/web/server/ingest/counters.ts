// Monotonic counters kept per second in node fields (listen-queue overflows, CPU throttling, event-loop run delay):
// de-cumulated here, and the refusal of counter points out of the counters' domain.
import { Metrics, type Metric, type NumberDataPoint } from '@perf/metrics';
import { NodeField, type NodeState } from '../store/node.js';
import { MAX_CUMULATIVE_COUNT, MAX_DELTA_COUNT } from '../store/domain.js';
import { COUNTER_OUT_OF_DOMAIN } from './domain.js';
import { attributesKey, boundedKey } from './series-key.js';
import type { Applier, ApplyResult } from './apply.js';

/** monotonic counters kept per second (de-cumulated here) → node field */
export const COUNTER_FIELDS = new Map<string, number>([
  [Metrics.listenOverflows, NodeField.listenOverflows],
  [Metrics.listenDrops, NodeField.listenDrops],
  [Metrics.cpuPeriods, NodeField.cpuPeriods],
  [Metrics.cpuThrottledPeriods, NodeField.cpuThrottledPeriods],
  [Metrics.cpuThrottledTime, NodeField.cpuThrottledTime],
  [Metrics.eventLoopRunDelay, NodeField.runDelay],
]);


/**
 * The second slot of a monotonic counter point, or undefined when it is refused: a value that is not a finite,
 * non-negative number within the counters' domain (store/domain.ts), or a time slotOf() refuses.
 */
export function counterSlot(applier: Applier, p: NumberDataPoint, isDelta: boolean, now: number, result: ApplyResult): number | undefined {
  if (!Number.isFinite(p.value) || p.value < 0) {
    applier.reject(result, 'counter value is not a finite, non-negative number');
    return undefined;
  }
  if (p.value > (isDelta ? MAX_DELTA_COUNT : MAX_CUMULATIVE_COUNT)) {
    applier.reject(result, COUNTER_OUT_OF_DOMAIN);
    return undefined;
  }
  return applier.slotOf(p.timeUnixNano, now, result);
}


/**
 * A monotonic counter into per-second increments. Cumulative: the first point of a series is a baseline
 * (these counters are host-wide and count since boot, not since the node started), then the difference to
 * the previous point; a repeated or older point adds nothing; a smaller value is a reset (a reboot) and
 * counts as it stands. Delta: each point as sent. Each point's second gets its increment, zero included,
 * so "no overflows" is a value, not a gap.
 */
export function counter(applier: Applier, node: NodeState, m: Extract<Metric, { type: 'sum' }>, field: number, now: number, result: ApplyResult): void {
  for (const p of m.points) {
    const t = counterSlot(applier, p, m.temporality === 'delta', now, result);
    if (t === undefined) continue;
    let increment = p.value;
    if (m.temporality !== 'delta') {
      const key = boundedKey(`${m.name}#${attributesKey(p.attributes)}`);
      const st = node.counters.get(key);
      if (st === undefined) {
        node.counters.set(key, { value: p.value, timeUnixNano: p.timeUnixNano });
        continue;
      }
      if (p.timeUnixNano <= st.timeUnixNano) continue;
      increment = p.value >= st.value ? p.value - st.value : p.value;
      st.value = p.value;
      st.timeUnixNano = p.timeUnixNano;
      if (increment > MAX_DELTA_COUNT) {
        // the state has moved on: the next increment is from this value
        applier.reject(result, COUNTER_OUT_OF_DOMAIN);
        continue;
      }
    }
    node.addField(t, field, increment);
  }
}
