import dc from 'node:diagnostics_channel';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Attrs, Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import { listeningServers } from './listening.js';
import { ProcRead } from './procRead.js';
import type { Collector } from './types.js';

/** Published by node:net once a server listens (Node 20.20 has it); on a Node without it nothing is reported. */
const LISTENING = 'tracing:net.server.listen:asyncEnd';
const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
/** socket state TCP_LISTEN in /proc/net/tcp */
const LISTEN_STATE = '0A';
/**
 * Reading the tables is not cheap: the kernel walks its whole socket hash tables, sized by the machine's
 * memory, not by its sockets (measured on a 24 GiB VM with a few dozen sockets: 4.5 ms of CPU for tcp, 4.3 ms
 * for tcp6, against 0.13 ms for /proc/net/netstat). So they are read when it matters — when the host's listen
 * overflows/drops counters rose since the last collect — and otherwise once every `intervalMs`
 * (PERF_LISTEN_QUEUE_INTERVAL, default 30 s: ≈ 0.3 ms of the export thread's CPU a second); an export that does not read reports nothing (a Prometheus scrape, the
 * last values read). Tables above 128 KiB
 * (≈ 900 sockets) stretch the wait by 1 ms per KiB.
 */
const SMALL_TABLES = 128 * 1024;
const WAIT_MS_PER_BYTE = 1 / 1024;

/**
 * The accept queues of this process's listening TCP ports (Linux): how many connections have completed the
 * handshake and wait for the app to accept them. A queue that stays non-empty means the app accepts too
 * slowly (a busy or blocked loop); once it reaches its limit (the listen() backlog, Node's default 511, capped
 * by net.core.somaxconn) the kernel drops connections and system.network.listen.overflows rises. For a
 * listening socket, /proc/net/tcp's rx_queue is that queue's length (the limit is not in /proc: only netlink
 * has it, so it is not reported).
 *
 * The app's thread learns the ports from node:net's listen channel, and at start from the servers already
 * listening; the export thread reads the tables (ProcRead, synchronously) for the ports the app's thread passes
 * with each snapshot. Several listening sockets on one port (IPv4 and IPv6, SO_REUSEPORT, the
 * cluster primary's shared socket) add up. Absent where /proc/net/tcp does not exist.
 */
export class ListenQueueCollector implements Collector {
  readonly offThread = true;
  private portSet = new Set<number>();
  private queues = new Map<number, number>();
  private nextReadAt = 0;
  private readonly read: ProcRead;
  private readonly onListening = (message: unknown) => {
    const address = ((message as { server?: Server }).server?.address?.() ?? null) as AddressInfo | string | null;
    if (address !== null && typeof address === 'object' && address.port > 0) this.portSet.add(address.port);
  };

  /** the pressure at each consumer's last collect (a scrape must not take the OTLP export's rise from it) */
  private readonly lastPressure = new Map<string, number | undefined>();

  /**
   * @param sync read the tables at collect time (export thread) rather than in the background (app's thread)
   * @param pressure the host's listen overflows + drops so far (NetstatCollector, collected just before)
   * @param intervalMs ms between reads while the pressure does not rise
   */
  constructor(
    sync = false,
    private readonly pressure: () => number | undefined = () => undefined,
    private readonly intervalMs = 30_000,
  ) {
    // tcp6 is absent on a host without IPv6: the tables are looked up once
    const tables = process.platform === 'linux' ? TABLES.filter(existsSync) : [];
    this.read = new ProcRead(
      sync,
      tables.length > 0,
      () => this.parse(tables.map((t) => readFileSync(t, 'latin1'))),
      async () => this.parse(await Promise.all(tables.map((t) => readFile(t, 'latin1')))),
    );
  }

  /** The ports seen listening in this thread (what the export thread is told to look at). */
  ports(): number[] {
    return [...this.portSet];
  }

  /** Export thread: the ports the app's thread saw listening. */
  setPorts(ports: readonly number[]): void {
    if (ports.length !== this.portSet.size || ports.some((p) => !this.portSet.has(p))) {
      this.portSet = new Set(ports);
      this.nextReadAt = 0;
    }
  }

  /** Only listens for ports: no read before a collect asks (at start no server listens yet, and a read costs ms). */
  start(): void {
    dc.subscribe(LISTENING, this.onListening);
    for (const server of listeningServers()) this.onListening({ server });
  }

  stop(): void {
    dc.unsubscribe(LISTENING, this.onListening);
  }

  collect(batch: MetricBatch): void {
    const pressure = this.pressure();
    const last = this.lastPressure.get(batch.consumer);
    const rose = pressure !== undefined && last !== undefined && pressure > last;
    this.lastPressure.set(batch.consumer, pressure);
    if (this.portSet.size === 0) return;
    const due = rose || performance.now() >= this.nextReadAt;
    const report = () => {
      for (const [port, queued] of this.queues) {
        batch.gauge(Metrics.listenQueue, '{connection}', 'Connections waiting in a listening port\'s accept queue for the app to accept them (Linux).', queued, { [Attrs.serverPort]: port });
      }
    };
    if (due) this.read.collect(report);
    // OTLP exports from the export thread: only fresh values; a Prometheus scrape (a gauge is read whenever it is
    // scraped), or the app's thread reading in the background: the last values read
    else if (!this.read.sync || batch.consumer === 'prometheus') report();
  }

  private parse(texts: string[]): void {
    this.queues = parseListenQueues(texts, this.portSet);
    const bytes = texts.reduce((n, t) => n + t.length, 0);
    this.nextReadAt = performance.now() + this.intervalMs + (bytes > SMALL_TABLES ? bytes * WAIT_MS_PER_BYTE : 0);
  }
}

/**
 * Connections waiting in the listening sockets' accept queues per local port (the given ports), from
 * /proc/net/tcp and tcp6 texts. Only listening lines are split: the state is the one two-digit hex field
 * between spaces (the other hex fields are wider or end in ':'), so a native search for " 0A " finds them.
 */
export function parseListenQueues(texts: readonly string[], ports: ReadonlySet<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const text of texts) {
    let from = text.indexOf('\n') + 1; // skip the header
    while (from > 0) {
      const hit = text.indexOf(` ${LISTEN_STATE} `, from);
      if (hit === -1) break;
      const start = text.lastIndexOf('\n', hit) + 1;
      const end = text.indexOf('\n', hit);
      from = end === -1 ? 0 : end + 1;
      // "  sl  local_address rem_address   st tx_queue:rx_queue ..."
      const f = text.slice(start, end === -1 ? text.length : end).trim().split(/\s+/);
      if (f.length < 5 || f[3] !== LISTEN_STATE) continue;
      const port = parseInt(f[1].slice(f[1].lastIndexOf(':') + 1), 16);
      if (!ports.has(port)) continue;
      // tx_queue:rx_queue; for a listening socket rx_queue is the accept queue's length
      const rx = parseInt(f[4].slice(f[4].indexOf(':') + 1), 16);
      out.set(port, (out.get(port) ?? 0) + rx);
    }
  }
  return out;
}
