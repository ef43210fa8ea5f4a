import { ValueType, type Attributes as OtelAttributes, type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type MetricData, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { Metric, Temporality } from '@perf/metrics';

function hrTime(unixNano: number): HrTime {
  const seconds = Math.floor(unixNano / 1e9);
  return [seconds, Math.round(unixNano - seconds * 1e9)];
}

function temporality(t: Temporality): AggregationTemporality {
  return t === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
}

/**
 * Maps the agent's metrics (@perf/metrics model) to the OpenTelemetry SDK's MetricData, so the SDK's
 * official OTLP exporters serialise them: a plain switch on the type, no SDK instruments involved.
 */
export function toScopeMetrics(metrics: Iterable<Metric>, scopeName: string, scopeVersion: string): ScopeMetrics {
  const out: MetricData[] = [];
  for (const m of metrics) {
    switch (m.type) {
      case 'gauge':
        out.push({
          descriptor: { name: m.name, description: m.description, unit: m.unit, valueType: m.points.every((p) => p.isInt) ? ValueType.INT : ValueType.DOUBLE },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.GAUGE,
          dataPoints: m.points.map((p) => ({ startTime: hrTime(p.startTimeUnixNano), endTime: hrTime(p.timeUnixNano), attributes: p.attributes as OtelAttributes, value: p.value })),
        });
        break;
      case 'sum':
        out.push({
          descriptor: { name: m.name, description: m.description, unit: m.unit, valueType: m.points.every((p) => p.isInt) ? ValueType.INT : ValueType.DOUBLE },
          aggregationTemporality: temporality(m.temporality),
          dataPointType: DataPointType.SUM,
          isMonotonic: m.monotonic,
          dataPoints: m.points.map((p) => ({ startTime: hrTime(p.startTimeUnixNano), endTime: hrTime(p.timeUnixNano), attributes: p.attributes as OtelAttributes, value: p.value })),
        });
        break;
      case 'exponentialHistogram':
        out.push({
          descriptor: { name: m.name, description: m.description, unit: m.unit, valueType: ValueType.DOUBLE },
          aggregationTemporality: temporality(m.temporality),
          dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
          dataPoints: m.points.map((p) => ({
            startTime: hrTime(p.startTimeUnixNano),
            endTime: hrTime(p.timeUnixNano),
            attributes: p.attributes as OtelAttributes,
            value: {
              count: p.count, sum: p.sum, min: p.min, max: p.max, scale: p.scale, zeroCount: p.zeroCount,
              // the SDK's types take number[] (its exporters only iterate them)
              positive: { offset: p.positive.offset, bucketCounts: Array.from(p.positive.bucketCounts) },
              negative: { offset: p.negative.offset, bucketCounts: Array.from(p.negative.bucketCounts) },
            },
          })),
        });
        break;
      default:
        break; // the agent produces no other types
    }
  }
  return { scope: { name: scopeName, version: scopeVersion }, metrics: out };
}
