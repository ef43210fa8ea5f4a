// Encodes the model to the OTLP/JSON mapping: lowerCamelCase keys, 64-bit integers as decimal strings,
// enums as integers, doubles as numbers with "NaN" / "Infinity" / "-Infinity" as strings and -0 as `-0`
// (JSON.stringify would write 0). Built as one string by concatenation, without an intermediate object tree.
import type {
  AttributeValue,
  Attributes,
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsRequest,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
  Temporality,
} from '../model.js';

/** Encodes to the OTLP/JSON mapping (lowerCamelCase keys, 64-bit integers as decimal strings, enums as integers). */
export function encodeJson(request: ExportMetricsRequest): string {
  let s = '{"resourceMetrics":[';
  request.resourceMetrics.forEach((rm, i) => {
    if (i > 0) s += ',';
    s += resourceMetrics(rm);
  });
  return s + ']}';
}

const q = JSON.stringify;

function dbl(v: number): string {
  if (Number.isFinite(v)) return v === 0 && 1 / v < 0 ? '-0' : String(v);
  return v > 0 ? '"Infinity"' : v < 0 ? '"-Infinity"' : '"NaN"';
}

/** 64-bit integers as exact decimal strings (above 2^53 String() would print rounded digits such as ...300 for ...256). */
function int(v: number): string {
  if (v >= -9007199254740991 && v <= 9007199254740991) return `"${Math.trunc(v)}"`;
  return Number.isFinite(v) ? `"${BigInt(Math.trunc(v))}"` : '"0"';
}

function temporality(t: Temporality): number {
  return t === 'cumulative' ? 2 : t === 'delta' ? 1 : 0;
}

function resourceMetrics(rm: ResourceMetrics): string {
  let s = `{"resource":{"attributes":${attributes(rm.resource.attributes)}`;
  if (rm.resource.droppedAttributesCount !== 0) s += `,"droppedAttributesCount":${rm.resource.droppedAttributesCount}`;
  s += '},"scopeMetrics":[';
  rm.scopeMetrics.forEach((sm, i) => {
    if (i > 0) s += ',';
    s += scopeMetrics(sm);
  });
  s += ']';
  if (rm.schemaUrl !== '') s += `,"schemaUrl":${q(rm.schemaUrl)}`;
  return s + '}';
}

function scopeMetrics(sm: ScopeMetrics): string {
  const sc = sm.scope;
  let s = `{"scope":{"name":${q(sc.name)},"version":${q(sc.version)},"attributes":${attributes(sc.attributes)}`;
  if (sc.droppedAttributesCount !== 0) s += `,"droppedAttributesCount":${sc.droppedAttributesCount}`;
  s += '},"metrics":[';
  sm.metrics.forEach((m, i) => {
    if (i > 0) s += ',';
    s += metric(m);
  });
  s += ']';
  if (sm.schemaUrl !== '') s += `,"schemaUrl":${q(sm.schemaUrl)}`;
  return s + '}';
}

function attributes(attrs: Attributes): string {
  let s = '[';
  let first = true;
  for (const key of Object.keys(attrs)) {
    if (!first) s += ',';
    first = false;
    s += `{"key":${q(key)},"value":${anyValue(attrs[key])}}`;
  }
  return s + ']';
}

function anyValue(v: AttributeValue): string {
  if (typeof v === 'string') return `{"stringValue":${q(v)}}`;
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) && !(v === 0 && 1 / v < 0) ? `{"intValue":"${v}"}` : `{"doubleValue":${dbl(v)}}`;
  }
  if (typeof v === 'boolean') return `{"boolValue":${v}}`;
  if (Array.isArray(v)) return `{"arrayValue":{"values":[${v.map(anyValue).join(',')}]}}`;
  if (v !== null && typeof v === 'object') return `{"kvlistValue":{"values":${attributes(v)}}}`;
  return '{}';
}

function metric(m: Metric): string {
  let s = `{"name":${q(m.name)},"description":${q(m.description)},"unit":${q(m.unit)}`;
  switch (m.type) {
    case 'gauge':
      s += `,"gauge":{"dataPoints":[${m.points.map(numberPoint).join(',')}]}`;
      break;
    case 'sum':
      s += `,"sum":{"dataPoints":[${m.points.map(numberPoint).join(',')}],"aggregationTemporality":${temporality(m.temporality)},"isMonotonic":${m.monotonic}}`;
      break;
    case 'histogram':
      s += `,"histogram":{"dataPoints":[${m.points.map(histogramPoint).join(',')}],"aggregationTemporality":${temporality(m.temporality)}}`;
      break;
    case 'exponentialHistogram':
      s += `,"exponentialHistogram":{"dataPoints":[${m.points.map(exponentialPoint).join(',')}],"aggregationTemporality":${temporality(m.temporality)}}`;
      break;
    case 'summary':
      s += `,"summary":{"dataPoints":[${m.points.map(summaryPoint).join(',')}]}`;
      break;
    case 'empty':
      break;
  }
  return s + '}';
}

function common(p: NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint): string {
  let s = `{"attributes":${attributes(p.attributes)},"startTimeUnixNano":${int(p.startTimeUnixNano)},"timeUnixNano":${int(p.timeUnixNano)}`;
  if (p.flags !== 0) s += `,"flags":${p.flags >>> 0}`;
  return s;
}

function optional(key: string, v: number | undefined): string {
  return v === undefined ? '' : `,"${key}":${dbl(v)}`;
}

function numberPoint(p: NumberDataPoint): string {
  return common(p) + (p.isInt ? `,"asInt":${int(p.value)}}` : `,"asDouble":${dbl(p.value)}}`);
}

function counts(xs: Float64Array): string {
  let s = '[';
  for (let i = 0; i < xs.length; i++) s += i === 0 ? int(xs[i]) : ',' + int(xs[i]);
  return s + ']';
}

function histogramPoint(p: HistogramDataPoint): string {
  return (
    common(p) +
    `,"count":${int(p.count)}${optional('sum', p.sum)},"bucketCounts":${counts(p.bucketCounts)}` +
    `,"explicitBounds":[${p.explicitBounds.map(dbl).join(',')}]${optional('min', p.min)}${optional('max', p.max)}}`
  );
}

function buckets(b: ExponentialBuckets): string {
  return `{"offset":${b.offset | 0},"bucketCounts":${counts(b.bucketCounts)}}`;
}

function exponentialPoint(p: ExponentialHistogramDataPoint): string {
  return (
    common(p) +
    `,"count":${int(p.count)}${optional('sum', p.sum)},"scale":${p.scale | 0},"zeroCount":${int(p.zeroCount)}` +
    `,"positive":${buckets(p.positive)},"negative":${buckets(p.negative)}${optional('min', p.min)}${optional('max', p.max)}` +
    `,"zeroThreshold":${dbl(p.zeroThreshold)}}`
  );
}

function summaryPoint(p: SummaryDataPoint): string {
  const qs = p.quantileValues.map((v) => `{"quantile":${dbl(v.quantile)},"value":${dbl(v.value)}}`).join(',');
  return common(p) + `,"count":${int(p.count)},"sum":${dbl(p.sum)},"quantileValues":[${qs}]}`;
}
