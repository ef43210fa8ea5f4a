// One EventSource per browser tab on `/api/v1/stream`, shared by every component through a tiny external
// store (useSyncExternalStore): N charts listening cost one connection and one JSON.parse per second.
//
// Reconnection: the browser's EventSource retries by itself after a network error (server restarting:
// connection refused), honouring the server's `retry:`. It gives up for good when an answer is not a 200
// event-stream (a proxy's 502, a 401): then we reopen it ourselves with capped backoff. A watchdog marks
// the connection lost when snapshots stop arriving, or the first never comes, although the socket looks open
// (a hung server).
import type { StreamSnapshot } from '../server/api/types.js';
import { apiGet, apiUrl } from './api.js';
import { noteServerTime } from './server-clock.js';

export type StreamStatus = 'connecting' | 'open' | 'lost';

export interface StreamState {
  status: StreamStatus;
  /** The latest snapshot (kept while the connection is lost, so the page does not blank out). */
  snapshot: StreamSnapshot | null;
  /** Unix ms when the connection was lost, null while it is fine. */
  lostSince: number | null;
  /** Number of times the connection came back after being lost (for tests and the banner). */
  reconnects: number;
}

/**
 * Snapshots are sent every second; six missing in a row means the server is gone or stuck (not fewer: a
 * loaded server may skip a beat, and a needless reconnect replays what was missed).
 */
const STALE_MS = 6500;
const MAX_BACKOFF_MS = 10_000;

type Listener = () => void;

class StreamStore {
  private source: EventSource | null = null;
  private service: string | null = null;
  private listeners = new Set<Listener>();
  private state: StreamState = { status: 'connecting', snapshot: null, lostSince: null, reconnects: 0 };
  private lastMessageAt = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private backoff = 1000;
  private everOpened = false;

  getState = (): StreamState => this.state;

  /** Subscribes a component; the first subscriber opens the connection, the last one closes it. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    if (!this.source && !this.retryTimer) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  };

  /** Follows the page's service filter: reopens the stream when it changes. */
  setService(service: string | null): void {
    if (service === this.service) return;
    this.service = service;
    this.set({ snapshot: null });
    if (this.listeners.size > 0) {
      this.close();
      this.open();
    }
  }

  private set(patch: Partial<StreamState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private open(): void {
    if (typeof window === 'undefined' || typeof EventSource === 'undefined') return;
    this.retryTimer = null;
    // The watchdog's clock starts with the attempt: a server that accepts the connection and never answers
    // (hung before the first snapshot) is as lost as one that stops answering later.
    this.lastMessageAt = Date.now();
    const es = new EventSource(apiUrl('stream', { service: this.service }), { withCredentials: true });
    this.source = es;
    es.onopen = () => {
      this.backoff = 1000;
      this.lastMessageAt = Date.now();
    };
    es.addEventListener('snapshot', (ev) => this.onSnapshot((ev as MessageEvent<string>).data));
    // Servers that send unnamed events land here.
    es.onmessage = (ev) => this.onSnapshot(ev.data as string);
    es.onerror = () => {
      this.markLost();
      if (es.readyState === EventSource.CLOSED) {
        // The browser will not retry (non-200 answer). Probe the API once: a 401 there sends us to login.
        es.close();
        if (this.source === es) this.source = null;
        apiGet('status').catch(() => undefined);
        this.retryTimer = setTimeout(() => this.open(), this.backoff);
        this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
      }
    };
    this.watchdog ??= setInterval(() => {
      if (!this.retryTimer && Date.now() - this.lastMessageAt > STALE_MS) {
        this.markLost();
        // The socket may be half-open: start over rather than wait for TCP to notice.
        this.source?.close();
        this.source = null;
        this.open();
      }
    }, 1000);
  }

  private onSnapshot(data: string): void {
    let snapshot: StreamSnapshot;
    try {
      snapshot = JSON.parse(data) as StreamSnapshot;
    } catch {
      return; // a comment or keep-alive line
    }
    this.lastMessageAt = Date.now();
    noteServerTime(snapshot.serverTime);
    const wasLost = this.state.status === 'lost';
    this.set({
      status: 'open',
      snapshot,
      lostSince: null,
      reconnects: wasLost && this.everOpened ? this.state.reconnects + 1 : this.state.reconnects,
    });
    this.everOpened = true;
  }

  private markLost(): void {
    if (this.state.status !== 'lost') this.set({ status: 'lost', lostSince: Date.now() });
  }

  private close(): void {
    this.source?.close();
    this.source = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.state = { ...this.state, status: 'connecting' };
  }
}

/** The tab's one stream. */
export const stream = new StreamStore();

const SERVER_STATE: StreamState = { status: 'connecting', snapshot: null, lostSince: null, reconnects: 0 };
export const serverStreamState = (): StreamState => SERVER_STATE;
