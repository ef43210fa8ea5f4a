// Express route templates: req.route's own path (a string, a RegExp or an array of them) under the patterns of the
// routers it is mounted through. Read when a request finishes; remembered per route object and mount path.
import { normalizePath } from '../recording/normalizePath.js';

/**
 * Express: the full template of a route object (the patterns of the routers it is mounted through + its own
 * path), per actual mount path: a router mounted at `/tenants/:tenant`, or at two paths, serves one route object
 * under many mount paths. The last one is kept beside the route (most routes have one), the others in a small map.
 */
export const kMount = Symbol('perf.agent.mount');
export const kTemplate = Symbol('perf.agent.template');
const kTemplates = Symbol('perf.agent.templates');
/** an array route's mount prefixes per mount path, and its own router layer (null: not found, not Express 5's) */
const kPrefixes = Symbol('perf.agent.prefixes');
const kLayer = Symbol('perf.agent.layer');
/** mount paths remembered per route object beyond the last one (then computed per request: a walk of the routers) */
const MAX_MOUNTS = 256;

/** req.route: its `path` as the app gave it, a string, a RegExp or an array (of strings and RegExps, nested or not) */
export interface ExpressRoute {
  path?: unknown;
  [kMount]?: string;
  [kTemplate]?: string;
  [kTemplates]?: Map<string, string>;
  [kPrefixes]?: Map<string, string>;
  [kLayer]?: ExpressLayer | null;
}

/** A layer of Express 5's router (router 2.x): a route's, or a middleware's, e.g. a mounted router. */
interface ExpressLayer {
  route?: unknown;
  handle?: { stack?: unknown };
  /** path-to-regexp matchers, one per mount path (pure functions) */
  matchers?: ((path: string) => { path: string } | false)[];
  /** the mount path(s) as given to app.use / router.use */
  rawPath?: unknown;
  /** mounted without a path (matches everything, consumes nothing) */
  slash?: boolean;
  /** Express 4 (path-to-regexp 0.1): the mount path compiled, its parameters' names; no pattern string is kept */
  regexp?: RegExp & { fast_slash?: boolean };
  keys?: { name?: unknown }[];
  [kIndexed]?: RegExp;
}
type ExpressApp = { router?: { stack?: unknown }; _router?: { stack?: unknown } };
/** what the agent reads of an Express request */
export interface ExpressRequest {
  url?: string;
  originalUrl?: string;
  app?: ExpressApp;
}
/** an Express 4 layer's regexp with match indices (the `d` flag), made once per layer */
const kIndexed = Symbol('perf.agent.indexed');

/** a template made of an app's RegExp or array of patterns stays a bounded label, as a normalised path does */
const MAX_TEMPLATE = 200;

/**
 * The template of an Express route under the mount path `baseUrl` (as the router set it for this request):
 * the patterns of the routers it is mounted through, found by walking the app's router stack with the request's
 * path (`/tenants/:tenant` + `/items/:itemId`), + the route's own path. Remembered per route and mount path.
 * Where the stack cannot be walked (another router version, a RegExp mount) the mount path itself, normalised
 * (ids folded). When an error unwinds the routers, Express has already restored baseUrl to '' by the time the
 * response finishes: then the mount path is the part of the URL before the route's own segments.
 *
 * A route defined by a RegExp is its source as JavaScript writes it (`/^\/files\/(.*)\.png$/`), and one defined by an
 * array of paths the pattern that matched (see arrayTemplate): one route per definition, never one per URL (audit F3:
 * such routes had no template, so 200 file names filled the route cap and the app's real routes went to `other`).
 */
export function expressTemplate(req: ExpressRequest, route: ExpressRoute, baseUrl: string): string | undefined {
  const own = route.path;
  if (Array.isArray(own)) return arrayTemplate(req, route, baseUrl);
  const pattern = typeof own === 'string' ? own : own instanceof RegExp ? String(own) : undefined;
  if (pattern === undefined) return undefined;
  const remembered = route[kTemplates]?.get(baseUrl);
  if (remembered !== undefined) return remember(route, baseUrl, remembered);
  const template = bounded(mountPrefix(req, route, baseUrl, typeof own === 'string' ? own : undefined) + pattern);
  let all = route[kTemplates];
  if (all === undefined) all = route[kTemplates] = new Map();
  if (all.size < MAX_MOUNTS) all.set(baseUrl, template);
  return remember(route, baseUrl, template);
}

function remember(route: ExpressRoute, baseUrl: string, template: string): string {
  route[kMount] = baseUrl;
  route[kTemplate] = template;
  return template;
}

/**
 * A route defined by an array of paths (`app.get(['/a/:id', '/b/:id'], …)`): the pattern that matched this request,
 * under its routers' patterns, so `/a/:id` and `/b/:id` are a route each. Express 5's router keeps one matcher per
 * pattern on the route's layer: they are run against the path under the mount (per request, for array routes only:
 * which pattern matched is not remembered anywhere). Where that cannot be told (Express 4 compiles the array into one
 * regexp; a request whose routers an error unwound), the array's patterns joined with `|`: one route for the array.
 */
function arrayTemplate(req: ExpressRequest, route: ExpressRoute, baseUrl: string): string {
  let prefix = route[kPrefixes]?.get(baseUrl);
  if (prefix === undefined) {
    prefix = mountPrefix(req, route, baseUrl, undefined);
    const all = (route[kPrefixes] ??= new Map());
    if (all.size < MAX_MOUNTS) all.set(baseUrl, prefix);
  }
  const layer = routeLayer(req, route);
  if (layer != null) {
    const path = pathOf(req);
    const under = baseUrl !== '' && path.startsWith(baseUrl) ? path.slice(baseUrl.length) || '/' : path;
    const patterns = layer.rawPath as unknown[];
    for (let i = 0; i < layer.matchers!.length; i++) {
      try {
        if (layer.matchers![i](under)) return bounded(prefix + patternText(patterns[i]));
      } catch {
        // a malformed %-escape: the next pattern, else all of them
      }
    }
  }
  return bounded(prefix + (route.path as unknown[]).flat(Infinity).map(patternText).join('|'));
}

/**
 * The patterns of the routers a route is mounted through under the mount path `baseUrl` ('' at the app's own level).
 * `own`: the route's own path when it is a string (then a mount path an error unwinding the routers reset to '' is
 * found again from the URL's segments; for a RegExp or an array the route is taken as the app's own).
 */
function mountPrefix(req: ExpressRequest, route: ExpressRoute, baseUrl: string, own: string | undefined): string {
  const path = pathOf(req);
  let mount = baseUrl;
  if (mount === '' && own !== undefined) {
    const segments = path.split('/');
    const ownSegments = own.split('/').length - 1;
    mount = segments.slice(0, Math.max(1, segments.length - ownSegments)).join('/');
  }
  if (mount === '' || mount === '/') return '';
  let prefix: string | undefined;
  try {
    const root = routerStack(req);
    if (root !== undefined) prefix = mountPattern(root, path, route, 0);
  } catch {
    // a matcher that throws (a malformed %-escape), another router's objects: the normalised mount path below
  }
  return prefix ?? normalizePath(mount);
}

/** The router layer of an array route whose matchers can say which pattern matched (Express 5's), found once. */
function routeLayer(req: ExpressRequest, route: ExpressRoute): ExpressLayer | null {
  let layer = route[kLayer];
  if (layer === undefined) {
    try {
      const root = routerStack(req);
      layer = root === undefined ? null : findLayer(root, route, 0);
    } catch {
      layer = null;
    }
    if (layer !== null && !(Array.isArray(layer.matchers) && Array.isArray(layer.rawPath) && layer.matchers.length === layer.rawPath.length)) layer = null;
    route[kLayer] = layer;
  }
  return layer;
}

function findLayer(stack: ExpressLayer[], route: ExpressRoute, depth: number): ExpressLayer | null {
  if (depth > 8) return null;
  for (const layer of stack) {
    if (layer === null || typeof layer !== 'object') continue;
    if (layer.route === route) return layer;
    const inner = layer.handle?.stack;
    if (layer.route === undefined && Array.isArray(inner)) {
      const found = findLayer(inner as ExpressLayer[], route, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}

/** Express 5's router; Express 4 keeps its own in _router, and its app.router is a getter that throws */
function routerStack(req: ExpressRequest): ExpressLayer[] | undefined {
  const root = req.app?._router?.stack ?? req.app?.router?.stack;
  return Array.isArray(root) ? (root as ExpressLayer[]) : undefined;
}

function pathOf(req: ExpressRequest): string {
  return (req.originalUrl ?? req.url ?? '/').split('?')[0];
}

/** one pattern of a route as a label: a path as written, a RegExp as its source (`/^\/legacy\//`) */
function patternText(pattern: unknown): string {
  return typeof pattern === 'string' ? pattern : String(pattern);
}

function bounded(template: string): string {
  return template.length > MAX_TEMPLATE ? template.slice(0, MAX_TEMPLATE) : template;
}

/**
 * The patterns of the routers `route` is mounted through, for a request to `path`: e.g. '/tenants/:tenant'
 * ('' when the route is in this stack itself); undefined when it is not found under this path, or the stack is
 * not Express 5's or 4's router (no `matchers` / `rawPath`, no `regexp` / `keys`) or a mount path is not a string.
 */
function mountPattern(stack: ExpressLayer[], path: string, route: ExpressRoute, depth: number): string | undefined {
  if (depth > 8) return undefined;
  for (const layer of stack) {
    if (layer === null || typeof layer !== 'object') continue;
    if (layer.route === route) return '';
    const inner = layer.handle?.stack;
    if (layer.route !== undefined || !Array.isArray(inner)) continue;
    let consumed: string | undefined;
    let pattern: unknown;
    if (layer.slash === true) {
      consumed = '';
      pattern = '';
    } else if (layer.regexp instanceof RegExp && Array.isArray(layer.keys)) {
      // Express 4: what the layer's regexp consumed, each parameter's value put back as `:name` (a router mounted at
      // '/t/:tenant' gave one route per tenant, until the route cap filled; contract audit)
      if (layer.regexp.fast_slash === true) {
        consumed = '';
        pattern = '';
      } else {
        const m = express4Match(layer, path);
        if (m !== undefined) [consumed, pattern] = m;
      }
    } else if (Array.isArray(layer.matchers)) {
      for (let i = 0; i < layer.matchers.length && consumed === undefined; i++) {
        const m = layer.matchers[i](path);
        if (m) {
          consumed = m.path;
          pattern = Array.isArray(layer.rawPath) ? layer.rawPath.flat(Infinity)[i] : layer.rawPath;
        }
      }
    } else return undefined;
    if (consumed === undefined) continue;
    if (typeof pattern !== 'string') return undefined;
    let rest = path.slice(consumed.length);
    if (!rest.startsWith('/')) rest = '/' + rest;
    const below = mountPattern(inner as ExpressLayer[], rest, route, depth + 1);
    if (below !== undefined) return (pattern === '/' ? '' : pattern.replace(/\/$/, '')) + below;
  }
  return undefined;
}

/**
 * An Express 4 mount layer against `path`: [the part it consumed, that part with each parameter's value replaced by
 * `:name` (`*` for a wildcard)], or undefined when it does not match. Express 4 keeps no pattern string, so the
 * template comes from the match: the layer's regexp once more with match indices (path-to-regexp 0.1 gives one
 * group per key, in order; alternatives of an array mount that did not match leave theirs undefined).
 */
function express4Match(layer: ExpressLayer, path: string): [string, string] | undefined {
  let re = layer[kIndexed];
  if (re === undefined) re = layer[kIndexed] = new RegExp(layer.regexp!.source, layer.regexp!.flags.replace('g', '') + 'd');
  const m = re.exec(path) as (RegExpExecArray & { indices?: [number, number][] }) | null;
  if (m === null || m.indices === undefined) return undefined;
  const consumed = m[0];
  let pattern = '';
  let at = 0;
  const keys = layer.keys!;
  for (let g = 1; g < m.length; g++) {
    const span = m.indices[g];
    if (span === undefined) continue;
    const name = keys[g - 1]?.name;
    pattern += consumed.slice(at, span[0]) + (typeof name === 'string' ? ':' + name : '*');
    at = span[1];
  }
  return [consumed, pattern + consumed.slice(at)];
}
