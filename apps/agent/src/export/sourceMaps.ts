/**
 * Maps a profiled function's place in the JavaScript that ran back to the source it was compiled from, through
 * the source map the compiler left beside it (`//# sourceMappingURL=` at the end of the file: a `.map` file or
 * an inline `data:` URL), so a TypeScript app's profile names `src/billing/invoice.ts:88` rather than a line of
 * `dist/billing/invoice.js`. Node's own `SourceMap` (node:module) reads the map. Runs on the export thread,
 * for the few functions of a profile; maps are cached per file (a file without one too).
 *
 * Code compiled in memory (tsx, ts-node, a loader hook) has no map on disk; its map lives in the app's thread,
 * where Node keeps it when source maps are enabled (tsx enables them). For places no map on disk explains, the
 * export thread asks the app's thread (`inApp`: `findSourceMap` there, a few lookups per profile).
 */
import { readFileSync, statSync } from 'node:fs';
import { SourceMap, findSourceMap } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** files whose map is remembered (the app's hot files: a handful) */
const MAX_CACHED = 256;
/** a compiled file or a map larger than this is not read */
const MAX_BYTES = 32 * 1024 * 1024;

export interface Place {
  file: string;
  /** 1-based */
  line: number;
  column: number;
}

interface Loaded {
  map: SourceMap;
  /** where the map's relative `sources` are resolved from */
  base: string;
  sourceRoot: string;
}

/** Asks the app's thread for the original places of `places` (null where it has no map either). */
export type AppSourceMaps = (places: Place[]) => Promise<(Place | null)[]>;

export class SourceMaps {
  readonly #cache = new Map<string, Loaded | null>();

  constructor(private readonly inApp?: AppSourceMaps) {}

  /** Every place's original: by the map on disk, else by the app thread's map; the place itself when neither has one. */
  async originals(places: readonly Place[]): Promise<Place[]> {
    const out = places.map((p) => this.original(p));
    if (this.inApp === undefined) return out;
    const ask: Place[] = [];
    const at: number[] = [];
    out.forEach((p, i) => {
      if (p === places[i] && p.line > 0 && isAbsolute(p.file)) {
        ask.push({ file: p.file, line: p.line, column: p.column });
        at.push(i);
      }
    });
    if (ask.length === 0) return out;
    try {
      const got = await this.inApp(ask);
      got.forEach((g, k) => {
        if (g !== null && g !== undefined) out[at[k]] = g;
      });
    } catch {
      // the app's thread did not answer: compiled places
    }
    return out;
  }

  /** The original place of `place`, or `place` itself when its file has no usable source map. Never throws. */
  original(place: Place): Place {
    if (place.line <= 0 || place.file === '' || !isAbsolute(place.file)) return place;
    const loaded = this.#load(place.file);
    if (loaded === null) return place;
    try {
      const e = loaded.map.findEntry(place.line - 1, Math.max(0, place.column - 1)) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (typeof e.originalSource !== 'string' || typeof e.originalLine !== 'number') return place;
      return { file: sourcePath(e.originalSource, loaded), line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
    } catch {
      return place;
    }
  }

  #load(file: string): Loaded | null {
    const cached = this.#cache.get(file);
    if (cached !== undefined) return cached;
    let loaded: Loaded | null = null;
    try {
      loaded = readMap(file);
    } catch {
      loaded = null;
    }
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(file, loaded);
    return loaded;
  }
}

function readMap(file: string): Loaded | null {
  if (statSync(file).size > MAX_BYTES) return null;
  const text = readFileSync(file, 'utf8');
  // the last sourceMappingURL comment wins (a bundle may carry its inputs' comments inside it)
  const m = /\/[/*][#@]\s*sourceMappingURL=([^\s*'"]+)[^\n]*\s*$/.exec(text.slice(-8192)) ?? lastMatch(text);
  if (m === null) return null;
  const url = m[1];
  let payload: string;
  let base = dirname(file);
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    if (comma < 0) return null;
    const meta = url.slice(5, comma);
    const data = url.slice(comma + 1);
    payload = meta.endsWith(';base64') ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data);
  } else {
    const mapFile = url.startsWith('file://') ? fileURLToPath(url) : resolve(dirname(file), decodeURIComponent(url));
    if (statSync(mapFile).size > MAX_BYTES) return null;
    payload = readFileSync(mapFile, 'utf8');
    base = dirname(mapFile);
  }
  const json = JSON.parse(payload) as { sourceRoot?: unknown };
  return { map: new SourceMap(json as never), base, sourceRoot: typeof json.sourceRoot === 'string' ? json.sourceRoot : '' };
}

function lastMatch(text: string): RegExpExecArray | null {
  const re = /\/[/*][#@]\s*sourceMappingURL=([^\s*'"]+)/g;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) last = m;
  return last;
}

function sourcePath(source: string, loaded: Loaded): string {
  if (source.startsWith('file://')) {
    try {
      return fileURLToPath(source);
    } catch {
      return source;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source)) return source; // webpack://, node:, …
  return resolve(loaded.base, loaded.sourceRoot, source);
}

/**
 * On the app's thread: the original places of `places` from the source maps Node keeps for the modules it loaded
 * (with source maps enabled: `--enable-source-maps`, `process.setSourceMapsEnabled(true)`, tsx). Never throws.
 */
export function originalsInThisThread(places: readonly Place[]): (Place | null)[] {
  return places.map((p) => {
    try {
      const map = findSourceMap(p.file);
      if (map === undefined) return null;
      const e = map.findEntry(p.line - 1, Math.max(0, p.column - 1)) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (typeof e.originalSource !== 'string' || typeof e.originalLine !== 'number') return null;
      const file = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : e.originalSource;
      return { file, line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
    } catch {
      return null;
    }
  });
}
