// The ingest states a graceful stop saves (each series' last cumulative point, each counter's last value) and the
// next start restores, so that what nodes served while the dashboard was down is counted.
import { inflateRawSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import type { NodeState } from '../node.js';
import type { FleetStore } from '../FleetStore.js';
import { MAX_CUMULATIVE_COUNT } from '../domain.js';
import { decodeState, encodeState, type SeriesState } from '../../ingest/series.js';
import { encodeHist } from './histogram-blob.js';

/** series_state keys of a node's monotonic counters (the rest are ingest's series keys) */
const COUNTER_KEY = '\0counter\0';

/**
 * Writes every node's ingest state (its cumulative series' last points, its counters' last values), replacing
 * what an earlier shutdown wrote. Called once, at a graceful shutdown: a restarted dashboard then turns each
 * series' next cumulative point into the difference since the last one before the restart, so the requests
 * a node served while the dashboard was down are counted. Returns how many states were written.
 */
export function saveStates(db: Database.Database, insHist: Database.Statement, store: FleetStore): number {
  const insert = db.prepare('INSERT INTO series_state VALUES (?, ?, ?, ?)');
  let n = 0;
  db.transaction(() => {
    db.prepare('DELETE FROM series_state').run();
    for (const svc of store.services.values()) {
      for (const node of svc.nodes.values()) {
        for (const [key, st] of node.states) {
          insert.run(svc.name, node.meta.instance, key, packState(encodeState(st as SeriesState)));
          n++;
        }
        for (const [key, c] of node.counters) {
          insert.run(svc.name, node.meta.instance, COUNTER_KEY + key, Buffer.from(new Float64Array([c.value, c.timeUnixNano]).buffer));
          n++;
        }
        // the 10 s slot still filling (the complete ones are written as they settle)
        for (const [slot, h] of node.hists) if (slot > node.histsWrittenUntil) insHist.run(svc.name, node.meta.instance, 0, slot, encodeHist(h.lat), encodeHist(h.el));
      }
    }
  })();
  return n;
}

/**
 * Restores the states saveStates() wrote into the nodes load() restored (call after load()); dropSavedStates()
 * deletes them once the process has started.
 */
export function loadStates(db: Database.Database, store: FleetStore): number {
  let n = 0;
  // each node's last point before the stop (Unix s): the seconds after it hold none of its requests yet
  const lastPoint = new Map<NodeState, number>();
  const rows = db.prepare('SELECT service, instance, key, state FROM series_state').iterate() as Iterable<{ service: string; instance: string; key: string; state: Buffer }>;
  for (const r of rows) {
    const svc = store.services.get(r.service);
    const node = svc?.nodes.get(r.instance);
    if (svc === undefined || node === undefined) continue;
    if (r.key.startsWith(COUNTER_KEY)) {
      if (r.state.byteLength !== 16) continue;
      const a = new Float64Array(r.state.buffer.slice(r.state.byteOffset, r.state.byteOffset + 16));
      // a counter's last value as ingest accepts it (see counter() in ingest/counters.ts)
      if (!(a[0] >= 0 && a[0] <= MAX_CUMULATIVE_COUNT)) continue;
      node.counters.set(r.key.slice(COUNTER_KEY.length), { value: a[0], timeUnixNano: a[1] });
      n++;
      continue;
    }
    const st = decodeState(unpackState(r.state));
    if (st === undefined || node.states.has(r.key)) continue;
    node.states.set(r.key, st);
    node.baselined = true;
    if (st.time > 0) lastPoint.set(node, Math.max(lastPoint.get(node) ?? 0, Math.floor(st.time / 1e9)));
    // as ingest does when it creates a state: the series counts towards the service's cap and memory
    svc.seriesKeys.set(r.key, (svc.seriesKeys.get(r.key) ?? 0) + 1);
    svc.series++;
    n++;
  }
  // A graceful stop settles the seconds still open with the exports heard by then: a node whose last export came
  // before the last second written holds none of its requests there, until its first export after the restart
  // spreads back over them (live verification: the stop's seconds read 97, then 146 req/s against 196 for ≈ 2 s).
  for (const [node, sec] of lastPoint) if (node.unknownFrom !== undefined && sec + 1 < node.unknownFrom) node.unknownFrom = sec + 1;
  return n;
}

/**
 * Deletes the saved states once this process has started (its ports bound): a later crash must not restore them
 * a second time, against points counted since; a start that failed (a port in use) must leave them for the next.
 */
export function dropSavedStates(db: Database.Database): void {
  db.prepare('DELETE FROM series_state').run();
}

/**
 * Marks a state packed by packState (a raw state starts with its Float64 version, whose low 4 bytes are zero), one
 * packed before empty buckets were run-length coded (the same codes without runs: read by the same code), and one
 * deflated, as dashboards before those saved them.
 */
const PACKED = Buffer.from('PSV2');
const PACKED_NO_RUNS = Buffer.from('PSV1');
const DEFLATED = Buffer.from('PSZ1');
/** integers up to this are written as varints (doubled: a varint's low bit tells an integer from a float) */
const MAX_VARINT = 2 ** 50;
/** the most bytes a saved state unpacks to */
const MAX_STATE_BYTES = 1 << 24;

/**
 * A series state as saved: its Float64s as varints where they are whole numbers (a cumulative histogram's counts
 * mostly are, and small: an outside audit's 36k raw states took 146 MB and a stop 9 s, 83k states 335 MB of a 505 MB
 * file), runs of zeros (a histogram's empty buckets) as one code, the others as 8 bytes after a marker. Deflate made
 * them as small, but took ≈ 40 µs a state (a zlib stream set up and torn down each time): 3.8 s of a graceful stop
 * for 80k states, where a stop has 10 s in Docker and Kubernetes' default 30 s before it is killed (and the states
 * are lost). The count of values as a varint, then codes, each a varint: 2·v for a whole v in [0, 2^50]; 1 and v's 8
 * bytes (little-endian) for any other v; 2·k + 1 for a run of k ≥ 2 zeros.
 */
export function packState(raw: Buffer): Buffer {
  const values = raw.byteOffset % 8 === 0 ? new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength >> 3) : new Float64Array(Uint8Array.from(raw).buffer);
  const out = Buffer.allocUnsafe(PACKED.byteLength + 8 + values.length * 9);
  PACKED.copy(out, 0);
  let o = PACKED.byteLength;
  const varint = (v: number): void => {
    let x = v;
    while (x >= 128) {
      out[o++] = (x % 128) | 128;
      x = Math.floor(x / 128);
    }
    out[o++] = x;
  };
  varint(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Object.is(v, 0)) {
      let k = 1;
      while (i + k < values.length && Object.is(values[i + k], 0)) k++;
      varint(k === 1 ? 0 : k * 2 + 1);
      i += k - 1;
    } else if (Number.isInteger(v) && v <= MAX_VARINT && v > 0) varint(v * 2);
    else {
      out[o++] = 1;
      out.writeDoubleLE(v, o);
      o += 8;
    }
  }
  return out.subarray(0, o);
}

/** packState's values back into raw Float64 bytes; empty for bytes that are not a whole packed state. */
function unpackVarints(bytes: Buffer): Buffer {
  let i = 0;
  /** the next varint; NaN past the end or when longer than packState writes */
  const varint = (): number => {
    let x = 0;
    let scale = 1;
    for (;;) {
      if (i >= bytes.byteLength || scale > 2 ** 56) return NaN;
      const b = bytes[i++];
      x += (b & 127) * scale;
      scale *= 128;
      if (b < 128) return x;
    }
  };
  const count = varint();
  // as many values as a deflated state may inflate to (runs of zeros let a few bytes claim more)
  if (!(count <= MAX_STATE_BYTES / 8)) return Buffer.alloc(0);
  const values = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    const x = varint();
    if (x % 2 === 0) values[n] = x / 2;
    else if (x === 1 && i + 8 <= bytes.byteLength) {
      values[n] = bytes.readDoubleLE(i);
      i += 8;
    } else if (x >= 5 && n + (x - 1) / 2 <= count) n += (x - 1) / 2 - 1; // a run of zeros (values start zeroed)
    else return Buffer.alloc(0);
  }
  return i === bytes.byteLength ? Buffer.from(values.buffer) : Buffer.alloc(0);
}

/** The raw state of what packState (or an older dashboard, deflated or raw) saved; empty for damaged bytes. */
export function unpackState(saved: Buffer): Buffer {
  if (saved.byteLength < PACKED.byteLength) return saved;
  const mark = saved.subarray(0, PACKED.byteLength);
  if (mark.equals(PACKED) || mark.equals(PACKED_NO_RUNS)) return unpackVarints(saved.subarray(PACKED.byteLength));
  if (!mark.equals(DEFLATED)) return saved;
  try {
    return inflateRawSync(saved.subarray(PACKED.byteLength), { maxOutputLength: MAX_STATE_BYTES });
  } catch {
    return Buffer.alloc(0);
  }
}
