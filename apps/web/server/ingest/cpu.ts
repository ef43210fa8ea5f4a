// A node's CPU utilisation from the OpenTelemetry SDK's host-metrics: process.cpu.time (seconds on the CPU per
// state), else process.cpu.utilization per state.
import type { Metric } from '@perf/metrics';
import { NodeField, type NodeState } from '../store/node.js';
import { MAX_CORES, MAX_CUMULATIVE_COUNT } from '../store/domain.js';
import { COUNTER_OUT_OF_DOMAIN, CPU_OUT_OF_DOMAIN } from './domain.js';
import type { Applier, ApplyResult } from './apply.js';

/** Seconds on the CPU by process.cpu.state (host-metrics), and the node counter key its last total is kept under. */
export const PROCESS_CPU_TIME = 'process.cpu.time';
export const CPU_STATE = 'process.cpu.state';
const CPU_TIME_KEY = 'process.cpu.time#total';


/**
 * `process.cpu.time` (seconds on the CPU, per `process.cpu.state`: the OpenTelemetry SDK's host-metrics) into the
 * node's CPU utilisation of one core: the states' total, over the time between two points (cumulative) or over
 * the point's own span (delta).
 */
export function cpuTime(applier: Applier, node: NodeState, m: Extract<Metric, { type: 'sum' }>, now: number, result: ApplyResult): void {
  let total = 0;
  let time = 0;
  let start = 0;
  for (const p of m.points) {
    if (!Number.isFinite(p.value) || p.value < 0) {
      applier.reject(result, 'counter value is not a finite, non-negative number');
      return;
    }
    if (p.value > MAX_CUMULATIVE_COUNT) {
      applier.reject(result, COUNTER_OUT_OF_DOMAIN);
      return;
    }
    total += p.value;
    if (p.timeUnixNano > time) time = p.timeUnixNano;
    start = p.startTimeUnixNano;
  }
  if (time === 0) return;
  applier.cpuTimeNodes.add(node);
  let seconds = 0;
  let busy = 0;
  if (m.temporality === 'delta') {
    seconds = (time - start) / 1e9;
    busy = total;
  } else {
    const st = node.counters.get(CPU_TIME_KEY);
    node.counters.set(CPU_TIME_KEY, { value: total, timeUnixNano: time });
    if (st === undefined || time <= st.timeUnixNano || total < st.value) return;
    seconds = (time - st.timeUnixNano) / 1e9;
    busy = total - st.value;
  }
  if (!(seconds > 0)) return;
  if (!(busy / seconds <= MAX_CORES)) {
    applier.reject(result, CPU_OUT_OF_DOMAIN, m.points.length);
    return;
  }
  const t = applier.slotOf(time, now, result);
  if (t !== undefined) node.setField(t, NodeField.cpu, busy / seconds);
}

/** `process.cpu.utilization` with a `process.cpu.state` attribute, into the node's CPU utilisation. */
export function cpuByState(applier: Applier, node: NodeState, m: Extract<Metric, { type: 'gauge' }>, now: number, result: ApplyResult): void {
  // per state (user, system) and divided by the host's cores (@opentelemetry/host-metrics): read 100× too low as
  // the last point "of one core" (outside audit). Its process.cpu.time says the same without either ambiguity;
  // without one, the states are added up (a share of the whole host, then)
  if (applier.cpuTimeNodes.has(node)) return;
  let total = 0;
  let time = 0;
  for (const p of m.points) {
    if (!(p.value >= 0 && p.value <= MAX_CORES)) {
      applier.reject(result, Number.isFinite(p.value) ? CPU_OUT_OF_DOMAIN : 'gauge value is not a finite number');
      continue;
    }
    total += p.value;
    if (p.timeUnixNano > time) time = p.timeUnixNano;
  }
  if (time === 0) return;
  if (total > MAX_CORES) {
    applier.reject(result, CPU_OUT_OF_DOMAIN, m.points.length);
    return;
  }
  const t = applier.slotOf(time, now, result);
  if (t !== undefined) node.setField(t, NodeField.cpu, total);
}
