import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetView } from '../query/FleetView.js';
import type { Finding, StreamSnapshot } from '../api/types.js';

interface Client {
  res: ServerResponse;
  service: string | undefined;
  /** true while the socket buffer is full: events are skipped (the next one carries the full state) */
  blocked: boolean;
}

/** snapshots kept per filter for Last-Event-ID replay (a minute of reconnect gap) */
const REPLAY = 60;
const RETRY_MS = 2000;
const HEARTBEAT_MS = 15_000;
/** a client whose unsent data exceeds this is dropped (it reconnects and resumes) */
const MAX_BUFFERED = 4 << 20;

/**
 * `GET /api/v1/stream`: Server-Sent Events, one `snapshot` per second. Each snapshot is computed and
 * serialised once per service filter and the same string is written to every client, so 100 tabs cost
 * one computation plus 100 socket writes. Events carry `id:` (increasing) and the stream starts with
 * `retry:`; a reconnect with `Last-Event-ID` replays the missed snapshots still held.
 */
export class LiveStream {
  private readonly clients = new Set<Client>();
  private seq = 0;
  /** filter key → recent [seq, serialized event] */
  private readonly recent = new Map<string, [number, string][]>();
  private heartbeat: NodeJS.Timeout;
  findings: (service: string | undefined) => Finding[] = () => [];
  alertsFiring: () => number = () => 0;

  /** at most this many clients at once (PERF_MAX_STREAMS); more are refused until one leaves */
  constructor(
    private readonly view: FleetView,
    readonly maxClients = 500,
  ) {
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get lastEventId(): number {
    return this.seq;
  }

  /**
   * Starts streaming to this client, or returns false (nothing written) when `maxClients` are connected: each
   * client holds a socket and up to MAX_BUFFERED of unsent snapshots, so their number must be bounded.
   */
  handle(req: IncomingMessage, res: ServerResponse, service: string | undefined): boolean {
    if (this.clients.size >= this.maxClients) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: ${RETRY_MS}\n\n`);
    const client: Client = { res, service, blocked: false };
    this.clients.add(client);
    const last = Number(req.headers['last-event-id'] ?? NaN);
    const recent = this.recent.get(service ?? '');
    if (recent !== undefined && recent.length > 0) {
      // replay what the client missed, or at least the newest snapshot so a fresh tab draws at once
      const missed = Number.isFinite(last) ? recent.filter(([id]) => id > last) : recent.slice(-1);
      for (const [, ev] of missed) res.write(ev);
    }
    res.on('drain', () => (client.blocked = false));
    const drop = () => this.clients.delete(client);
    req.on('close', drop);
    res.on('error', drop);
    return true;
  }

  /** Computes this second's snapshots (once per filter in use) and sends them. */
  publish(now = Date.now()): void {
    this.seq++;
    const filters = new Set<string>(['']);
    for (const c of this.clients) filters.add(c.service ?? '');
    const events = new Map<string, string>();
    for (const f of filters) {
      // the all-services snapshot is kept for replay even with no client; others only while watched
      const snap = this.snapshot(f === '' ? undefined : f, now);
      const ev = `id: ${this.seq}\nevent: snapshot\ndata: ${JSON.stringify(snap)}\n\n`;
      events.set(f, ev);
      let list = this.recent.get(f);
      if (list === undefined) this.recent.set(f, (list = []));
      list.push([this.seq, ev]);
      if (list.length > REPLAY) list.shift();
    }
    for (const k of this.recent.keys()) if (!filters.has(k)) this.recent.delete(k);
    for (const c of this.clients) {
      if (c.res.writableLength > MAX_BUFFERED) {
        c.res.destroy();
        this.clients.delete(c);
        continue;
      }
      if (c.blocked) continue;
      if (!c.res.write(events.get(c.service ?? '')!)) c.blocked = true;
    }
  }

  snapshot(service: string | undefined, now = Date.now()): StreamSnapshot {
    const fleet = this.view.fleet({ service, window: 10, now });
    const sec = this.view.fleet({ service, window: 1, now });
    const nodes = this.view.nodes({ service, window: 10, now });
    const shown = nodes.filter((n, i) => i < 200 || !n.up).slice(0, 250);
    return {
      seq: this.seq,
      at: fleet.at,
      serverTime: Date.now(),
      fleet,
      second: { rps: sec.rps, errorRate: sec.errorRate, latency: sec.latency },
      nodes: shown,
      routes: this.view.routes({ service, window: 10, now }).slice(0, 50),
      services: this.view.services(now),
      findings: safe(() => this.findings(service), []),
      alertsFiring: safe(() => this.alertsFiring(), 0),
      source: this.view.sourceTrouble() ?? null,
    };
  }

  private beat(): void {
    for (const c of this.clients) if (!c.blocked) c.res.write(': keep-alive\n\n');
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (err) {
    console.error('perf: live stream source failed:', err);
    return fallback;
  }
}
