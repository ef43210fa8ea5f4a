import { ExponentialHistogram, OTHER_ROUTE, UNMATCHED_ROUTE, type Attributes } from '@perf/metrics';
import { METHOD_COUNT } from './methods.js';
import { normalizePath } from './normalizePath.js';

/** One (method, route, status) latency series. */
export class Series {
  /** seconds; the OpenTelemetry bucket layout, recorded in ≈ 8 ns (a table lookup on the float's bits at scale ≤ 10) */
  readonly histogram: ExponentialHistogram;
  /** the series' OTLP attributes, built at its first collection and reused (they never change) */
  attributes: Attributes | undefined;
  constructor(
    readonly method: number,
    readonly status: number,
    maxScale: number,
    maxSize: number,
  ) {
    this.histogram = new ExponentialHistogram({ maxScale, maxSize });
  }
}

/** A route and its series, keyed by `status * 16 + method` (one small integer: a cheap Map lookup). */
export class Route {
  readonly series = new Map<number, Series>();
  /** requests that ended before their response was complete (the client left, `res.destroy()`, …), per method */
  readonly aborted = new Float64Array(METHOD_COUNT);
  constructor(
    readonly name: string,
    private readonly table: RouteTable,
  ) {}

  /** the series hit last: most requests of a route share method and status (measured: −8 ns vs the Map lookup) */
  private last: Series | undefined;

  /** Records one finished request's duration in seconds. */
  record(method: number, status: number, seconds: number): void {
    let s = this.last;
    if (s === undefined || s.status !== status || s.method !== method) {
      s = this.series.get(status * 16 + method);
      if (s === undefined) s = this.table.addSeries(this, method, status);
      this.last = s;
    }
    s.histogram.record(seconds);
  }
}

export interface RouteTableOptions {
  /** distinct routes per process before new ones fold into `other` (default 200) */
  maxRoutes: number;
  /** histogram starting scale and bucket limit (see ExponentialHistogram) */
  maxScale: number;
  maxSize: number;
}

/** (method, status) series per route before a new status is counted under its class (RouteTable.addSeries) */
export const MAX_SERIES_PER_ROUTE = 64;

/** Raw URLs whose normalised route is remembered; cleared when full (a scanner flood costs one normalisation per URL). */
const URL_CACHE_SIZE = 4096;

/**
 * All routes of the process, with the cardinality cap: at most `maxRoutes` distinct routes, then new ones
 * go to `other`. Requests recorded into `other` because of the cap are counted in `folded`.
 */
export class RouteTable {
  readonly routes = new Map<string, Route>();
  readonly other: Route;
  /** requests folded into `other` because the route cap was reached */
  folded = 0;
  private readonly urlCache = new Map<string, Route>();

  constructor(readonly options: RouteTableOptions) {
    this.other = new Route(OTHER_ROUTE, this);
  }

  /** The route for a framework-provided template (e.g. `/users/:id`). */
  byTemplate(template: string): Route {
    const r = this.routes.get(template);
    return r !== undefined ? r : this.add(template);
  }

  /** The route for a raw request URL (no framework template known): normalised, cached. */
  byUrl(url: string): Route {
    let r = this.urlCache.get(url);
    if (r === undefined) {
      r = this.byTemplate(normalizePath(url));
      if (this.urlCache.size >= URL_CACHE_SIZE) this.urlCache.clear();
      this.urlCache.set(url, r);
    }
    return r;
  }

  /**
   * The route of a redirect or client error (3xx/4xx: a 404, an auth check's 401) on a raw URL (no framework
   * template): its normalised route when that exists, or while less than half the route cap is taken; past that, a
   * path that never answered anything else goes to `unmatched`, so a URL scanner's thousands of paths nobody serves
   * cannot spend the cap the real routes need (they would fold into `other` for the life of the process).
   */
  byUrlNotFound(url: string): Route {
    const cached = this.urlCache.get(url);
    if (cached !== undefined) return cached;
    if (this.routes.size < this.options.maxRoutes / 2) return this.byUrl(url);
    return this.routes.get(normalizePath(url)) ?? this.byTemplate(UNMATCHED_ROUTE);
  }

  private add(template: string): Route {
    if (template === OTHER_ROUTE) return this.other;
    // `unmatched` is always there for the requests no route answered, even once the cap is reached
    if (this.routes.size >= this.options.maxRoutes && template !== UNMATCHED_ROUTE) return this.other;
    const r = new Route(template, this);
    this.routes.set(template, r);
    return r;
  }

  /** @internal slow path of Route.record */
  addSeries(route: Route, method: number, status: number): Series {
    if (route.series.size >= MAX_SERIES_PER_ROUTE && status % 100 !== 0) {
      // past the cap a new status is counted under its class (437 under 400): an app answering every code a client
      // asks for made 4,800 histograms for one route (outside audit AA7); at most 9 classes × 16 methods more
      const classStatus = status - (status % 100);
      return route.series.get(classStatus * 16 + method) ?? this.addSeries(route, method, classStatus);
    }
    const s = new Series(method, status, this.options.maxScale, this.options.maxSize);
    route.series.set(status * 16 + method, s);
    return s;
  }

  /** Every route including `other` (when it has data). */
  forEachRoute(fn: (route: Route) => void): void {
    for (const r of this.routes.values()) fn(r);
    if (this.other.series.size > 0 || this.other.aborted.some((n) => n > 0)) fn(this.other);
  }
}
