// A reader specialised for ExportMetricsServiceRequest (opentelemetry-proto metrics/v1, common/v1,
// resource/v1). No reflection: each message is a `switch` on the whole tag (field << 3 | wire type), so
// a known field with the wrong wire type falls to `skipField`, which refuses it by the message's `known`
// bitmask. This file reads the request down to each metric; points and attributes are in read-*.ts.
import { OtlpDecodeError } from '../../errors.js';
import { DecodeFailure, OtlpErrorCode as Code, toProtobufError, within } from '../errors.js';
import { resolveLimits, type DecodeLimits } from '../limits.js';
import type {
  ExportMetricsRequest,
  GaugeMetric,
  InstrumentationScope,
  Metric,
  Resource,
  ResourceMetrics,
  ScopeMetrics,
  SummaryMetric,
  SumMetric,
  Temporality,
} from '../model.js';
import { readKeyValue } from './read-attributes.js';
import { readExponentialPoint, readHistogramPoint, readNumberPoint, readSummaryPoint } from './read-points.js';
import { WireReader, where } from './reader.js';

/** Decodes an `ExportMetricsServiceRequest` from protobuf bytes. Throws OtlpDecodeError on bad input. */
export function decodeProtobuf(bytes: Uint8Array, limits?: DecodeLimits): ExportMetricsRequest {
  if (!(bytes instanceof Uint8Array)) {
    throw new OtlpDecodeError(Code.BAD_FIELD, 'OTLP protobuf: decodeProtobuf expects a Uint8Array (or Buffer).', 0);
  }
  const r = new WireReader(bytes, resolveLimits(limits));
  const resourceMetrics: ResourceMetrics[] = [];
  const end = bytes.length;
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) resourceMetrics.push(readResourceMetrics(r, r.lenEnd(end)));
      else r.skipField(tag, end, 1 << 1);
    }
  } catch (e) {
    if (e instanceof DecodeFailure) throw toProtobufError(within(e, where('ExportMetricsServiceRequest', ['', 'resource_metrics'], tag)) as DecodeFailure);
    throw e;
  }
  return { resourceMetrics };
}

function temporality(v: number): Temporality {
  // Unknown enum values (proto3 enums are open) read as 'unspecified', which receivers refuse per point.
  return v === 2 ? 'cumulative' : v === 1 ? 'delta' : 'unspecified';
}

// ---- resource and scope -----------------------------------------------------------------------------

const F_RESOURCE_METRICS = ['', 'resource', 'scope_metrics', 'schema_url'];
function readResourceMetrics(r: WireReader, end: number): ResourceMetrics {
  if (--r.metricsLeft < 0) r.fail(Code.TOO_MANY_METRICS, 'more resources, scopes and metrics than DecodeLimits.maxMetrics');
  const rm: ResourceMetrics = { resource: { attributes: {}, droppedAttributesCount: 0 }, scopeMetrics: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) readResource(r, rm.resource, r.lenEnd(end));
      else if (tag === 0x12) rm.scopeMetrics.push(readScopeMetrics(r, r.lenEnd(end)));
      else if (tag === 0x1a) rm.schemaUrl = r.string(end);
      else r.skipField(tag, end, 0b1110);
    }
  } catch (e) {
    throw within(e, where('ResourceMetrics', F_RESOURCE_METRICS, tag));
  }
  return rm;
}

const F_RESOURCE = ['', 'attributes', 'dropped_attributes_count'];
function readResource(r: WireReader, res: Resource, end: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) readKeyValue(r, res.attributes, r.lenEnd(end), 0);
      else if (tag === 0x10) res.droppedAttributesCount = r.varint32(end);
      else r.skipField(tag, end, 0b110);
    }
  } catch (e) {
    throw within(e, where('Resource', F_RESOURCE, tag));
  }
}

const F_SCOPE_METRICS = ['', 'scope', 'metrics', 'schema_url'];
function readScopeMetrics(r: WireReader, end: number): ScopeMetrics {
  if (--r.metricsLeft < 0) r.fail(Code.TOO_MANY_METRICS, 'more resources, scopes and metrics than DecodeLimits.maxMetrics');
  const sm: ScopeMetrics = { scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, metrics: [], schemaUrl: '' };
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x12) sm.metrics.push(readMetric(r, r.lenEnd(end)));
      else if (tag === 0x0a) readScope(r, sm.scope, r.lenEnd(end));
      else if (tag === 0x1a) sm.schemaUrl = r.string(end);
      else r.skipField(tag, end, 0b1110);
    }
  } catch (e) {
    throw within(e, where('ScopeMetrics', F_SCOPE_METRICS, tag));
  }
  return sm;
}

const F_SCOPE = ['', 'name', 'version', 'attributes', 'dropped_attributes_count'];
function readScope(r: WireReader, s: InstrumentationScope, end: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) s.name = r.string(end);
      else if (tag === 0x12) s.version = r.string(end);
      else if (tag === 0x1a) readKeyValue(r, s.attributes, r.lenEnd(end), 0);
      else if (tag === 0x20) s.droppedAttributesCount = r.varint32(end);
      else r.skipField(tag, end, 0b11110);
    }
  } catch (e) {
    throw within(e, where('InstrumentationScope', F_SCOPE, tag));
  }
}

// ---- metrics ------------------------------------------------------------------------------------------

const F_METRIC = ['', 'name', 'description', 'unit', '', 'gauge', '', 'sum', '', 'histogram', 'exponential_histogram', 'summary', 'metadata'];
function readMetric(r: WireReader, end: number): Metric {
  if (--r.metricsLeft < 0) r.fail(Code.TOO_MANY_METRICS, 'more resources, scopes and metrics than DecodeLimits.maxMetrics');
  let name = '';
  let description = '';
  let unit = '';
  // `data` is a oneof: a later member replaces an earlier one, a repeated member merges into it.
  let m: Metric | undefined;
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      switch (tag) {
        case 0x0a:
          name = r.string(end);
          break;
        case 0x12:
          description = r.string(end);
          break;
        case 0x1a:
          unit = r.string(end);
          break;
        case 0x2a:
          if (m === undefined || m.type !== 'gauge') m = { name, description, unit, type: 'gauge', points: [] };
          readGauge(r, m, r.lenEnd(end));
          break;
        case 0x3a:
          if (m === undefined || m.type !== 'sum') m = { name, description, unit, type: 'sum', temporality: 'unspecified', monotonic: false, points: [] };
          readSum(r, m, r.lenEnd(end));
          break;
        case 0x4a:
          if (m === undefined || m.type !== 'histogram') m = { name, description, unit, type: 'histogram', temporality: 'unspecified', points: [] };
          readHistogramLike(r, m, r.lenEnd(end), readHistogramPoint, 'Histogram');
          break;
        case 0x52:
          if (m === undefined || m.type !== 'exponentialHistogram') {
            m = { name, description, unit, type: 'exponentialHistogram', temporality: 'unspecified', points: [] };
          }
          readHistogramLike(r, m, r.lenEnd(end), readExponentialPoint, 'ExponentialHistogram');
          break;
        case 0x5a:
          if (m === undefined || m.type !== 'summary') m = { name, description, unit, type: 'summary', points: [] };
          readSummary(r, m, r.lenEnd(end));
          break;
        case 0x62: // metadata: not used by perf
          r.skipLen(end);
          break;
        default:
          r.skipField(tag, end, 0b1111010101110);
      }
    }
  } catch (e) {
    throw within(e, where('Metric', F_METRIC, tag));
  }
  if (m === undefined) return { name, description, unit, type: 'empty' };
  m.name = name;
  m.description = description;
  m.unit = unit;
  return m;
}

function readGauge(r: WireReader, m: GaugeMetric, end: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) m.points.push(readNumberPoint(r, r.lenEnd(end)));
      else r.skipField(tag, end, 0b10);
    }
  } catch (e) {
    throw within(e, where('Gauge', ['', 'data_points'], tag));
  }
}

const F_SUM = ['', 'data_points', 'aggregation_temporality', 'is_monotonic'];
function readSum(r: WireReader, m: SumMetric, end: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) m.points.push(readNumberPoint(r, r.lenEnd(end)));
      else if (tag === 0x10) m.temporality = temporality(r.varint32(end));
      else if (tag === 0x18) m.monotonic = r.bool(end);
      else r.skipField(tag, end, 0b1110);
    }
  } catch (e) {
    throw within(e, where('Sum', F_SUM, tag));
  }
}

const F_HISTOGRAM = ['', 'data_points', 'aggregation_temporality'];
/** Histogram and ExponentialHistogram share their message layout: points (1) and temporality (2). */
function readHistogramLike<P>(
  r: WireReader,
  m: { points: P[]; temporality: Temporality },
  end: number,
  readPoint: (r: WireReader, end: number) => P,
  name: string,
): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) m.points.push(readPoint(r, r.lenEnd(end)));
      else if (tag === 0x10) m.temporality = temporality(r.varint32(end));
      else r.skipField(tag, end, 0b110);
    }
  } catch (e) {
    throw within(e, where(name, F_HISTOGRAM, tag));
  }
}

function readSummary(r: WireReader, m: SummaryMetric, end: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x0a) m.points.push(readSummaryPoint(r, r.lenEnd(end)));
      else r.skipField(tag, end, 0b10);
    }
  } catch (e) {
    throw within(e, where('Summary', ['', 'data_points'], tag));
  }
}
