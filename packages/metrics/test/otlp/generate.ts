// Seeded generators of model values for the codec's property and fuzz tests. Every value the model can
// hold is reachable: each point type, each attribute value kind (nested too), optional fields present and
// absent, every temporality, -0 / NaN / ±Infinity / subnormal doubles, 64-bit counts and timestamps.
import type {
  AttributeValue,
  Attributes,
  ExponentialHistogramDataPoint,
  ExportMetricsRequest,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
  Temporality,
} from '../../src/otlp/model.js';
import { mulberry32 } from '../../src/random.js';

/** mulberry32: small, fast, good enough for test data; the same seed gives the same sequence. */
export const rng = mulberry32;

export class Gen {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }

  string(): string {
    switch (this.int(0, 5)) {
      case 0:
        return '';
      case 1:
        return this.pick(['http.route', 'GET', '/users/:id', 'service.name', '__proto__', 'constructor', '0', '12']);
      case 2: // long ASCII (past the short-string fast path)
        return 'x'.repeat(this.int(30, 300)) + this.int(0, 1e6);
      case 3: // non-ASCII: 2-, 3- and 4-byte UTF-8, a BOM
        return this.pick(['ü', 'é/ñ', '日本語のルート', '😀 emoji', '\uFEFFbom', 'a\u0000b', 'mixed ascii then ü']);
      default: {
        let s = '';
        const n = this.int(1, 40);
        for (let i = 0; i < n; i++) s += String.fromCharCode(this.int(0x20, 0x7e));
        return s;
      }
    }
  }

  /** Doubles across the whole range, including the ones codecs get wrong. */
  double(): number {
    switch (this.int(0, 9)) {
      case 0:
        return this.pick([0, -0, NaN, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE, Number.MAX_VALUE, 1e-9, 1e9]);
      case 1:
        return this.int(-1000, 1000);
      case 2:
        return (this.next() - 0.5) * 10 ** this.int(-300, 300);
      default:
        return this.next() * 10 ** this.int(-9, 9);
    }
  }

  /** Non-negative integers as 64-bit counts carry them: small, 2^31..2^53, and above 2^53 (rounded doubles). */
  u64(): number {
    switch (this.int(0, 9)) {
      case 0:
        return 0;
      case 1:
        return this.int(2 ** 31, 2 ** 32 + 5);
      case 2:
        return Math.floor(this.next() * 2 ** 53);
      case 3:
        return Math.floor(this.next() * 2 ** 63) * 2; // above 2^53: exactly representable integers only
      default:
        return this.int(0, 10 ** this.int(1, 6));
    }
  }

  /** int64 values for as_int and int attributes. */
  i64(): number {
    let v = this.u64();
    if (v >= 2 ** 63) v /= 2; // int64 range
    const signed = this.bool() ? -v : v;
    return signed === 0 ? 0 : signed; // -0 is not an integer on the wire
  }

  timestamp(): number {
    return this.pick([0, 1_700_000_000_000_000_000 + this.int(0, 1e6) * 256, Math.floor(this.next() * 2 ** 53)]);
  }

  attributeValue(depth: number): AttributeValue {
    const kinds = depth >= 3 ? 5 : 7;
    switch (this.int(0, kinds - 1)) {
      case 0:
        return this.string();
      case 1:
        return this.bool();
      case 2:
        return this.i64();
      case 3:
        return this.double(); // an integral double comes back as int_value: the same JS number
      case 4:
        return null;
      case 5: {
        const n = this.int(0, 4);
        const xs: AttributeValue[] = [];
        for (let i = 0; i < n; i++) xs.push(this.attributeValue(depth + 1));
        return xs;
      }
      default:
        return this.attributes(depth + 1, 4);
    }
  }

  attributes(depth = 0, max = 6): Attributes {
    const out: Attributes = {};
    const n = this.int(0, max);
    for (let i = 0; i < n; i++) {
      const key = this.string();
      const value = this.attributeValue(depth);
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  temporality(): Temporality {
    return this.pick(['unspecified', 'delta', 'cumulative'] as const);
  }

  private base() {
    return { attributes: this.attributes(), startTimeUnixNano: this.timestamp(), timeUnixNano: this.timestamp(), flags: this.pick([0, 0, 1, 2 ** 32 - 1]) };
  }

  private optional(): number | undefined {
    return this.bool(0.3) ? undefined : this.double();
  }

  counts(max: number): number[] {
    const n = this.int(0, max);
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(this.bool(0.9) ? this.int(0, 300) : this.u64());
    return xs;
  }

  numberPoint(): NumberDataPoint {
    const isInt = this.bool();
    return { ...this.base(), value: isInt ? this.i64() : this.double(), isInt };
  }

  histogramPoint(): HistogramDataPoint {
    const bounds = this.bool(0.1) ? [] : Array.from({ length: this.int(0, 20) }, () => this.double());
    const bucketCounts = Float64Array.from(this.bool(0.1) ? [] : Array.from({ length: bounds.length + 1 }, () => this.u64()));
    return { ...this.base(), count: this.u64(), sum: this.optional(), min: this.optional(), max: this.optional(), bucketCounts, explicitBounds: bounds };
  }

  exponentialPoint(): ExponentialHistogramDataPoint {
    return {
      ...this.base(),
      count: this.u64(),
      sum: this.optional(),
      min: this.optional(),
      max: this.optional(),
      scale: this.int(-10, 20),
      zeroCount: this.u64(),
      zeroThreshold: this.bool() ? 0 : this.double(),
      positive: { offset: this.int(-(2 ** 31), 2 ** 31 - 1) >> this.int(0, 31), bucketCounts: Float64Array.from(this.counts(this.pick([0, 5, 200, 1500]))) },
      negative: { offset: this.int(-2000, 2000), bucketCounts: Float64Array.from(this.counts(this.pick([0, 0, 5, 100]))) },
    };
  }

  summaryPoint(): SummaryDataPoint {
    const quantileValues = Array.from({ length: this.int(0, 5) }, () => ({ quantile: this.pick([0, 0.5, 0.99, 1]), value: this.double() }));
    return { ...this.base(), count: this.u64(), sum: this.double(), quantileValues };
  }

  metric(): Metric {
    const head = { name: this.string(), description: this.bool(0.7) ? '' : this.string(), unit: this.pick(['', 's', 'By', '{request}', '1']) };
    const n = this.int(0, 4);
    switch (this.int(0, 5)) {
      case 0:
        return { ...head, type: 'gauge', points: Array.from({ length: n }, () => this.numberPoint()) };
      case 1:
        return { ...head, type: 'sum', temporality: this.temporality(), monotonic: this.bool(), points: Array.from({ length: n }, () => this.numberPoint()) };
      case 2:
        return { ...head, type: 'histogram', temporality: this.temporality(), points: Array.from({ length: n }, () => this.histogramPoint()) };
      case 3:
        return { ...head, type: 'exponentialHistogram', temporality: this.temporality(), points: Array.from({ length: n }, () => this.exponentialPoint()) };
      case 4:
        return { ...head, type: 'summary', points: Array.from({ length: n }, () => this.summaryPoint()) };
      default:
        return { ...head, type: 'empty' };
    }
  }

  request(): ExportMetricsRequest {
    return {
      resourceMetrics: Array.from({ length: this.int(0, 3) }, () => ({
        resource: { attributes: this.attributes(), droppedAttributesCount: this.pick([0, 0, 3]) },
        schemaUrl: this.bool() ? '' : 'https://opentelemetry.io/schemas/1.26.0',
        scopeMetrics: Array.from({ length: this.int(0, 3) }, () => ({
          scope: { name: this.string(), version: this.pick(['', '1.2.3']), attributes: this.attributes(0, 2), droppedAttributesCount: this.pick([0, 1]) },
          schemaUrl: this.bool() ? '' : 'https://example.com/s',
          metrics: Array.from({ length: this.int(0, 5) }, () => this.metric()),
        })),
      })),
    };
  }
}
