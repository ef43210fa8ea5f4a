// The OTLP/JSON mapping of ExportMetricsServiceRequest (proto3 JSON): lowerCamelCase keys, and the
// proto field names (snake_case) as proto3 JSON parsers must also accept; 64-bit integers as decimal
// strings or numbers; enums as integers or names; bytes as base64 (standard or URL-safe); doubles as
// numbers or "NaN" / "Infinity" / "-Infinity". Unknown keys are ignored (forward compatibility);
// `null` means "absent". A value of the wrong type is PERF_OTLP_BAD_FIELD with its JSON path.
// Paths are built only on failure: each level catches and prepends its segment.
import { OtlpDecodeError } from '../../errors.js';
import { DecodeFailure, OtlpErrorCode as Code, toJsonError, within } from '../errors.js';
import { CountsArena } from '../counts.js';
import { resolveLimits, type DecodeLimits } from '../limits.js';
import type { ExportMetricsRequest, InstrumentationScope, Metric, Resource, ResourceMetrics, ScopeMetrics } from '../model.js';
import { readAttributes } from './read-attributes.js';
import { readExponentialPoint, readHistogramPoint, readNumberPoint, readSummaryPoint } from './read-points.js';
import { bool, budget, list, object, str, temporality, U32, type Obj } from './values.js';

const HARD_MAX_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes the OTLP/JSON mapping of an `ExportMetricsServiceRequest`. Throws OtlpDecodeError on bad input. */
export function decodeJson(body: string | Uint8Array, limits?: DecodeLimits): ExportMetricsRequest {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array) {
    try {
      text = utf8.decode(body);
    } catch {
      throw new OtlpDecodeError(Code.BAD_UTF8, 'OTLP JSON: the body is not valid UTF-8. Send UTF-8 encoded JSON.', 0);
    }
  } else throw new OtlpDecodeError(Code.BAD_FIELD, 'OTLP JSON: decodeJson expects a string or a Uint8Array.', '');
  const l = resolveLimits(limits);
  // OTLP's own structure is about 12 levels deep, and each level of an attribute value adds 3
  const maxNesting = 16 + 3 * Math.min(l.maxDepth, HARD_MAX_DEPTH);
  if (nestedDeeper(body, maxNesting)) {
    throw new OtlpDecodeError(Code.NESTING_TOO_DEEP, `OTLP JSON: the body nests arrays and objects deeper than ${maxNesting} levels.`, '');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new OtlpDecodeError(Code.BAD_JSON, `OTLP JSON: the body is not JSON (${(e as Error).message}).`, '');
  }
  budget.pointsLeft = l.maxPoints;
  budget.metricsLeft = l.maxMetrics;
  budget.maxBuckets = l.maxBuckets;
  budget.maxDepth = Math.min(l.maxDepth, HARD_MAX_DEPTH);
  // a fresh arena per request, so that no chunk holds counts of two requests; each count takes ≥ 2 characters
  budget.counts = new CountsArena();
  budget.countsLeft = text.length >>> 1;
  try {
    const root = object(doc, '');
    if (root === null) throw new DecodeFailure(Code.BAD_FIELD, 'expected an object', '(root)');
    const resourceMetrics: ResourceMetrics[] = [];
    for (const k in root) {
      if (k === 'resourceMetrics' || k === 'resource_metrics') list(root[k], '.resourceMetrics', resourceMetrics, readResourceMetrics);
    }
    return { resourceMetrics };
  } catch (e) {
    if (e instanceof DecodeFailure) throw toJsonError(e);
    throw e;
  }
}

/**
 * Whether the JSON text nests arrays and objects deeper than `limit`, found in one pass before JSON.parse: 6 MB of
 * arrays nested 3 million deep (5.9 KB gzipped, under an unknown key) kept the parser busy for about a second, and
 * senders could post them back to back (security audit). Brackets inside strings do not count.
 */
function nestedDeeper(text: string | Uint8Array, limit: number): boolean {
  return typeof text === 'string' ? deeperText(text, limit) : deeperBytes(text, limit);
}

// two copies of one loop, each monomorphic (bytes or UTF-16 code units; the characters that matter are ASCII)
function deeperBytes(b: Uint8Array, limit: number): boolean {
  let depth = 0;
  for (let i = 0, n = b.length; i < n; i++) {
    const c = b[i];
    if (c === 0x22) {
      // skip the string: to the next quote not escaped
      for (i++; i < n; i++) {
        const d = b[i];
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function deeperText(t: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0, n = t.length; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < n; i++) {
        const d = t.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

// ---- resource and scope -----------------------------------------------------------------------------------

function readResourceMetrics(v: unknown): ResourceMetrics {
  if (--budget.metricsLeft < 0) throw new DecodeFailure(Code.TOO_MANY_METRICS, 'more resources, scopes and metrics than DecodeLimits.maxMetrics', '');
  const o = object(v, '');
  const rm: ResourceMetrics = { resource: { attributes: {}, droppedAttributesCount: 0 }, scopeMetrics: [], schemaUrl: '' };
  if (o === null) return rm;
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'resource':
        readResource(rm.resource, x);
        break;
      case 'scopeMetrics':
      case 'scope_metrics':
        list(x, '.scopeMetrics', rm.scopeMetrics, readScopeMetrics);
        break;
      case 'schemaUrl':
      case 'schema_url':
        rm.schemaUrl = str(x, '.schemaUrl');
        break;
    }
  }
  return rm;
}

function readResource(r: Resource, v: unknown): void {
  try {
    const o = object(v, '');
    if (o === null) return;
    for (const k in o) {
      if (k === 'attributes') readAttributes(r.attributes, o[k], '.attributes', 0);
      else if (k === 'droppedAttributesCount' || k === 'dropped_attributes_count') r.droppedAttributesCount = U32(o[k], '.droppedAttributesCount');
    }
  } catch (e) {
    throw within(e, '.resource');
  }
}

function readScopeMetrics(v: unknown): ScopeMetrics {
  if (--budget.metricsLeft < 0) throw new DecodeFailure(Code.TOO_MANY_METRICS, 'more resources, scopes and metrics than DecodeLimits.maxMetrics', '');
  const o = object(v, '');
  const sm: ScopeMetrics = { scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, metrics: [], schemaUrl: '' };
  if (o === null) return sm;
  for (const k in o) {
    const x = o[k];
    if (k === 'metrics') list(x, '.metrics', sm.metrics, readMetric);
    else if (k === 'scope') readScope(sm.scope, x);
    else if (k === 'schemaUrl' || k === 'schema_url') sm.schemaUrl = str(x, '.schemaUrl');
  }
  return sm;
}

function readScope(s: InstrumentationScope, v: unknown): void {
  try {
    const o = object(v, '');
    if (o === null) return;
    for (const k in o) {
      const x = o[k];
      if (k === 'name') s.name = str(x, '.name');
      else if (k === 'version') s.version = str(x, '.version');
      else if (k === 'attributes') readAttributes(s.attributes, x, '.attributes', 0);
      else if (k === 'droppedAttributesCount' || k === 'dropped_attributes_count') s.droppedAttributesCount = U32(x, '.droppedAttributesCount');
    }
  } catch (e) {
    throw within(e, '.scope');
  }
}

// ---- metrics ----------------------------------------------------------------------------------------------------

const DATA_KEYS: Record<string, Exclude<Metric['type'], 'empty'>> = {
  gauge: 'gauge',
  sum: 'sum',
  histogram: 'histogram',
  exponentialHistogram: 'exponentialHistogram',
  exponential_histogram: 'exponentialHistogram',
  summary: 'summary',
};

function readMetric(v: unknown): Metric {
  if (--budget.metricsLeft < 0) throw new DecodeFailure(Code.TOO_MANY_METRICS, 'more resources, scopes and metrics than DecodeLimits.maxMetrics', '');
  const o = object(v, '');
  let name = '';
  let description = '';
  let unit = '';
  let m: Metric | undefined;
  if (o !== null) {
    for (const k in o) {
      const x = o[k];
      if (k === 'name') name = str(x, '.name');
      else if (k === 'description') description = str(x, '.description');
      else if (k === 'unit') unit = str(x, '.unit');
      else if (Object.hasOwn(DATA_KEYS, k) && x !== null && x !== undefined) {
        const type = DATA_KEYS[k];
        if (m !== undefined) throw new DecodeFailure(Code.BAD_FIELD, `a metric holds both ${m.type} and ${type} data`, `.${type}`);
        try {
          m = readData(type, object(x, '') ?? {});
        } catch (e) {
          throw within(e, `.${type}`);
        }
      }
    }
  }
  if (m === undefined) return { name, description, unit, type: 'empty' };
  m.name = name;
  m.description = description;
  m.unit = unit;
  return m;
}

function readData(type: Exclude<Metric['type'], 'empty'>, o: Obj): Metric {
  const points = o.dataPoints !== undefined ? o.dataPoints : o.data_points;
  const t = o.aggregationTemporality !== undefined ? o.aggregationTemporality : o.aggregation_temporality;
  switch (type) {
    case 'gauge': {
      const m: Metric = { name: '', description: '', unit: '', type, points: [] };
      list(points, '.dataPoints', m.points, readNumberPoint);
      return m;
    }
    case 'sum': {
      const mono = o.isMonotonic !== undefined ? o.isMonotonic : o.is_monotonic;
      const m: Metric = { name: '', description: '', unit: '', type, temporality: temporality(t, '.aggregationTemporality'), monotonic: bool(mono, '.isMonotonic'), points: [] };
      list(points, '.dataPoints', m.points, readNumberPoint);
      return m;
    }
    case 'histogram': {
      const m: Metric = { name: '', description: '', unit: '', type, temporality: temporality(t, '.aggregationTemporality'), points: [] };
      list(points, '.dataPoints', m.points, readHistogramPoint);
      return m;
    }
    case 'exponentialHistogram': {
      const m: Metric = { name: '', description: '', unit: '', type, temporality: temporality(t, '.aggregationTemporality'), points: [] };
      list(points, '.dataPoints', m.points, readExponentialPoint);
      return m;
    }
    case 'summary': {
      const m: Metric = { name: '', description: '', unit: '', type, points: [] };
      list(points, '.dataPoints', m.points, readSummaryPoint);
      return m;
    }
  }
}
