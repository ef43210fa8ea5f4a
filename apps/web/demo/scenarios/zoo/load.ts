// The zoo's load generator: an open-loop request schedule per node and route (requests per second),
// with a cap on requests in flight per node so a sick node cannot make the generator itself pile up.
// A connection storm can be aimed at one node: logins on new connections, as clients without keep-alive
// (or all clients reconnecting after a load-balancer restart) send them.

import http from 'node:http';

export interface RouteLoad {
  method: 'GET' | 'POST';
  /** path; `{id}` is replaced by a rotating id so the agent folds it into `:id` */
  path: string;
  /** requests per second to each node (before weights) */
  rps: number;
}

/** Per node and route on the healthy demo: ~36 req/s a node, light on CPU. */
export const DEFAULT_MIX: RouteLoad[] = [
  { method: 'GET', path: '/api/users/{id}', rps: 20 },
  { method: 'POST', path: '/api/orders', rps: 10 },
  { method: 'GET', path: '/api/report', rps: 4 },
  { method: 'GET', path: '/health', rps: 2 },
];

export interface LoadStats {
  sent: number;
  ok: number;
  errors: number;
  /** responses with status ≥ 500 */
  serverErrors: number;
  dropped: number;
  /** connection storm: requests sent, answered, failed (refused, reset or timed out) */
  storm: { sent: number; ok: number; errors: number };
}

/** The storm's rate (new connections a second) and how many may wait at once (SYNs the kernel dropped are retried by the client's kernel after 1 s, 3 s, …). */
const STORM_RATE = 300;
const STORM_MAX_OPEN = 1500;

export class LoadGenerator {
  readonly stats: LoadStats = { sent: 0, ok: 0, errors: 0, serverErrors: 0, dropped: 0, storm: { sent: 0, ok: 0, errors: 0 } };
  /** traffic weight per node (1 = its share of the mix); the skew scenario changes these */
  weights: number[];
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly #inFlight: number[];
  readonly #credit: number[][];
  #timer: NodeJS.Timeout | undefined;
  #id = 0;
  #storm: { timer: NodeJS.Timeout; open: Set<http.ClientRequest> } | undefined;

  constructor(
    readonly ports: number[],
    readonly mix: RouteLoad[] = DEFAULT_MIX,
    readonly maxInFlight = 48,
  ) {
    this.weights = ports.map(() => 1);
    this.#inFlight = ports.map(() => 0);
    this.#credit = ports.map(() => mix.map(() => Math.random()));
  }

  start(tickMs = 20): this {
    if (this.#timer) return this;
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      const dt = (now - last) / 1000;
      last = now;
      for (let n = 0; n < this.ports.length; n++) {
        for (let r = 0; r < this.mix.length; r++) {
          this.#credit[n][r] += this.mix[r].rps * this.weights[n] * dt;
          while (this.#credit[n][r] >= 1) {
            this.#credit[n][r] -= 1;
            this.send(n, this.mix[r]);
          }
        }
      }
    }, tickMs);
    return this;
  }

  private send(n: number, r: RouteLoad): void {
    if (this.#inFlight[n] >= this.maxInFlight) {
      this.stats.dropped++;
      return;
    }
    this.#inFlight[n]++;
    this.stats.sent++;
    const path = r.path.replace('{id}', String(1000 + (this.#id++ % 5000)));
    const req = http.request({ host: '127.0.0.1', port: this.ports[n], method: r.method, path, agent: this.#agent, timeout: 15_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        this.#inFlight[n]--;
        if (res.statusCode !== undefined && res.statusCode >= 500) this.stats.serverErrors++;
        else this.stats.ok++;
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      this.#inFlight[n]--;
      this.stats.errors++;
    });
    if (r.method === 'POST') req.end('{"items":[1,2,3]}');
    else req.end();
  }

  /**
   * Aims a connection storm at node `n` (on) or calls it off: STORM_RATE logins a second (`POST
   * /api/sessions`, ~5 ms of CPU each), each on a new connection, more than one process can take. Calling
   * it off also abandons the connections still waiting, so their retried SYNs stop at once.
   */
  storm(n: number, on: boolean): void {
    if (!on) {
      if (!this.#storm) return;
      clearInterval(this.#storm.timer);
      for (const req of this.#storm.open) req.destroy();
      this.#storm = undefined;
      return;
    }
    if (this.#storm) return;
    const open = new Set<http.ClientRequest>();
    const tickMs = 20;
    let credit = 0;
    const timer = setInterval(() => {
      credit += (STORM_RATE * tickMs) / 1000;
      for (; credit >= 1 && open.size < STORM_MAX_OPEN; credit--) {
        this.stats.storm.sent++;
        const req = http.request({ host: '127.0.0.1', port: this.ports[n], method: 'POST', path: '/api/sessions', agent: false, headers: { connection: 'close' }, timeout: 10_000 }, (res) => {
          res.resume();
          res.on('end', () => {
            open.delete(req);
            this.stats.storm.ok++;
          });
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', () => {
          open.delete(req);
          this.stats.storm.errors++;
        });
        open.add(req);
        req.end('{"user":"ada","password":"correct horse battery staple"}');
      }
      credit = Math.min(credit, 1);
    }, tickMs);
    this.#storm = { timer, open };
  }

  stop(): void {
    this.storm(0, false);
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#agent.destroy();
  }
}
