// Rule helpers for tests: a validated rule with parsed durations, and a metric source whose values the test sets.
import { validateRule } from '../../../server/alerts/rules/validate.js';
import { ruleFromSpec } from '../../../server/alerts/engine/engine.js';
import type { MetricQuery, MetricSource, Rule, ScopedValue } from '../../../server/alerts/types.js';

let n = 0;
export function rule(fields: Record<string, unknown>, id = `r${++n}`): Rule {
  return ruleFromSpec(id, validateRule({ name: `rule ${id}`, scope: 'fleet', metric: 'latency.p99', op: '>', threshold: 0.2, ...fields }));
}

/** Values per metric ("scope|metric"), set by the test; counts reads. */
export class TestSource implements MetricSource {
  values = new Map<string, ScopedValue[]>();
  reads = 0;
  set(scope: string, metric: string, values: ScopedValue[] | number): void {
    this.values.set(`${scope}|${metric}`, typeof values === 'number' ? [{ labels: {}, value: values }] : values);
  }
  read(q: MetricQuery): ScopedValue[] {
    this.reads++;
    return this.values.get(`${q.scope}|${q.metric}`) ?? [];
  }
}
