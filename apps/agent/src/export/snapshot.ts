import { ExponentialHistogram, type Attributes, type ExponentialHistogramMetric, type Metric } from '@perf/metrics';

/** What the main thread hands the export worker at each collection (structured-cloned; `histograms.buffer` is shared). */
export interface Snapshot {
  /** gauges and sums (a few dozen points); histograms travel packed in `histograms` */
  metrics: Metric[];
  histograms?: PackedHistograms;
  /** the TCP ports the app's thread has seen listening (the export thread reads their accept queues) */
  listenPorts?: number[];
  /**
   * whether the app's inspector server is open (--inspect, inspector.open()): then no CPU profile is taken. A
   * debugger is at work, and Node would wait at exit for the profiling session to end (process.exit() held up
   * to a profile's length, measured 10.7 s with a 10 s profile)
   */
  inspecting?: boolean;
  /**
   * whether Node keeps source maps on the app's thread (`--enable-source-maps`, tsx): only then does the export
   * thread ask it for the original places of code compiled in memory
   */
  sourceMaps?: boolean;
}

/** A histogram series, described to the export thread once: what the packed numbers under its id are. */
export interface SeriesInfo {
  id: number;
  name: string;
  unit: string;
  description: string;
  attributes: Attributes;
}

/**
 * Every histogram of one snapshot in one shared buffer: an Int32 flag at byte 0 (1 while the export thread
 * has not read it yet), then from byte 8 per series its id and ExponentialHistogram.pack()'s numbers.
 * Series the export thread has not seen yet are described in `series`.
 */
export interface PackedHistograms {
  series: SeriesInfo[];
  /** shared with the app's thread (an ArrayBuffer copy where SharedArrayBuffer is switched off) */
  buffer: SharedArrayBuffer | ArrayBuffer;
  /** doubles in use from byte 8 */
  length: number;
  startTimeUnixNano: number;
  timeUnixNano: number;
}

/**
 * SharedArrayBuffer unless the runtime has it switched off (`--no-harmony-sharedarraybuffer`): then a plain
 * ArrayBuffer, which postMessage copies, and the flag the export thread clears is its copy's, so every
 * snapshot gets a new buffer (slower, still correct).
 */
const Shared: new (bytes: number) => SharedArrayBuffer | ArrayBuffer = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : ArrayBuffer;

/** Byte offset of the doubles in a snapshot buffer (the flag's Int32 comes first). */
const DATA_OFFSET = 8;

/**
 * Doubles one slice of a snapshot copies (512 KB): ≈ 0.2–0.3 ms of the app's thread with cold caches. A node's
 * snapshot within it (60 series of ≈ 500 buckets are ≈ 32,000 doubles) is taken in one go; a bigger one is
 * copied a slice at a time, the app's loop running in between (see HistogramPacker).
 */
export const SLICE_DOUBLES = 65_536;

/**
 * The app's thread's side of the snapshot: packs every histogram of a collection into one buffer shared
 * with the export thread, and describes each series (name, unit, attributes) only the first time.
 *
 * Why: a series as a point object with a bucket array, structured-cloned to the export thread, cost ≈ 30 µs
 * of the app's thread: 2 ms for 60 series and ≈ 20 ms for the 600 of a full route table (200 routes × 3
 * status codes), against the issue's "never blocks the event loop for more than a millisecond at export".
 * Packed, a series is a memcpy of its bucket window. The buffer is shared, not transferred, so the next
 * snapshot reuses it once the export thread has read it (the flag): a fresh multi-megabyte buffer each
 * second would cost its page faults again (measured: 3× the copy itself) and a buffer sent back would wake
 * the app's loop. A buffer still unread gets a successor (nothing waits).
 *
 * The copy is sliced: `add()` only queues a histogram, `pack(doubles)` copies queued ones until that many
 * doubles are written. The 600 series of a full route table are ≈ 2.5 MB of bucket counts, ≈ 0.6–0.8 ms to
 * copy from cold memory and ≈ 1.4 ms with the rest of the snapshot (bench/overhead/snapshot.ts); in slices,
 * the app's loop serves its I/O between them and no slice holds it for much more than SLICE_DOUBLES take.
 * Each series is copied whole in one go, so every point is consistent in itself (count, sum and buckets of one
 * moment); a series copied a slice later may hold a few more requests than the snapshot's time says, which a
 * cumulative series carries into the next export (nothing is lost or counted twice).
 *
 * A histogram object is one series for the agent's lifetime (routes, GC types and the event loop each keep
 * theirs), so the object itself is the series' key.
 */
export class HistogramPacker {
  private readonly ids = new Map<ExponentialHistogram, number>();
  private nextId = 1;
  /** the next snapshot describes every series again (the previous one may not have arrived) */
  private describeAll = false;
  private series: SeriesInfo[] = [];
  private buffer: SharedArrayBuffer | ArrayBuffer | undefined;
  private flag: Int32Array<ArrayBufferLike> = new Int32Array(1);
  private data: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private length = 0;
  /** what the last snapshot needed: a new buffer starts at that size */
  private lastLength = 256;
  /** the histograms add() queued for this snapshot, with their ids; `next` is the first not yet copied */
  private queue: ExponentialHistogram[] = [];
  private queueIds: number[] = [];
  private next = 0;

  /** Starts a snapshot: reuses the buffer if the export thread has read it, else starts a new one. */
  begin(): void {
    this.series = [];
    this.length = 0;
    this.queue = [];
    this.queueIds = [];
    this.next = 0;
    if (this.buffer === undefined || Atomics.load(this.flag, 0) !== 0) this.allocate(this.lastLength + (this.lastLength >> 3));
  }

  /** Queues a histogram for this snapshot (pack() copies it) and describes its series if the export thread does not know it. */
  add(name: string, unit: string, description: string, histogram: ExponentialHistogram, attributes: Attributes): void {
    let id = this.ids.get(histogram);
    const known = id !== undefined;
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(histogram, id);
    }
    if (!known || this.describeAll) this.series.push({ id, name, unit, description, attributes });
    this.queue.push(histogram);
    this.queueIds.push(id);
  }

  /**
   * Copies queued histograms into the buffer, whole ones, until at least `doubles` doubles have been written
   * (at least one histogram per call) or the queue is done. Returns whether it is done.
   */
  pack(doubles = Infinity): boolean {
    const { queue, queueIds } = this;
    if (this.next === 0) this.reserve();
    const stop = this.length + doubles;
    while (this.next < queue.length && this.length < stop) {
      const histogram = queue[this.next];
      const need = this.length + 1 + histogram.packedLength();
      if (need > this.data.length) {
        const old = this.data;
        this.allocate(Math.max(need, old.length * 2));
        this.data.set(old.subarray(0, this.length));
      }
      this.data[this.length] = queueIds[this.next++];
      this.length = histogram.pack(this.data, this.length + 1);
    }
    return this.next === queue.length;
  }

  /** Ends the snapshot (copying what is still queued) and returns it for the export thread. */
  finish(startTimeUnixNano: number, timeUnixNano: number): PackedHistograms {
    this.pack();
    this.queue = [];
    this.queueIds = [];
    this.describeAll = false;
    this.lastLength = Math.max(256, this.length);
    Atomics.store(this.flag, 0, 1);
    return { series: this.series, buffer: this.buffer!, length: this.length, startTimeUnixNano, timeUnixNano };
  }

  /**
   * A snapshot was lost on the way (it could not be sent) or abandoned before finish(): the next one describes
   * every series again.
   */
  lost(): void {
    this.describeAll = true;
  }

  /** Room for the whole queue before the first slice: a buffer grown in the middle of a snapshot is one long slice. */
  private reserve(): void {
    let need = this.length;
    for (const h of this.queue) need += 1 + h.packedLength();
    if (need > this.data.length) {
      const old = this.data;
      this.allocate(need + (need >> 3));
      this.data.set(old.subarray(0, this.length));
    }
  }

  private allocate(doubles: number): void {
    this.buffer = new Shared(DATA_OFFSET + doubles * 8);
    this.flag = new Int32Array(this.buffer, 0, 1);
    this.data = new Float64Array(this.buffer, DATA_OFFSET);
  }
}

/**
 * The export thread's side: the series it has been told about, and the histograms of a packed snapshot
 * back as OTLP metrics (one metric per name, in the order the series were packed).
 */
export class HistogramUnpacker {
  private readonly series = new Map<number, SeriesInfo>();

  /**
   * The histograms of a snapshot just received, as OTLP metrics; learns the series it describes and hands
   * the buffer back to the app's thread (call once for every snapshot received, exported or not).
   */
  receive(packed: PackedHistograms): ExponentialHistogramMetric[] {
    for (const s of packed.series) this.series.set(s.id, s);
    try {
      return this.unpack(new Float64Array(packed.buffer, DATA_OFFSET), packed);
    } finally {
      Atomics.store(new Int32Array(packed.buffer, 0, 1), 0, 0);
    }
  }

  private unpack(data: Float64Array, packed: PackedHistograms): ExponentialHistogramMetric[] {
    const byName = new Map<string, ExponentialHistogramMetric>();
    const { length, startTimeUnixNano, timeUnixNano } = packed;
    let at = 0;
    while (at < length) {
      const info = this.series.get(data[at]);
      const { data: h, next } = ExponentialHistogram.unpack(data, at + 1);
      at = next;
      if (info === undefined) continue; // described in a snapshot that never arrived: described again soon
      let m = byName.get(info.name);
      if (m === undefined) {
        m = { type: 'exponentialHistogram', name: info.name, unit: info.unit, description: info.description, temporality: 'cumulative', points: [] };
        byName.set(info.name, m);
      }
      m.points.push({
        attributes: info.attributes,
        startTimeUnixNano,
        timeUnixNano,
        flags: 0,
        count: h.count,
        sum: h.sum,
        min: h.min,
        max: h.max,
        scale: h.scale,
        zeroCount: h.zeroCount,
        zeroThreshold: h.zeroThreshold,
        positive: h.positive,
        negative: h.negative,
      });
    }
    return [...byName.values()];
  }
}
