// The demo's load: one bounded autocannon run per demo node (loopback only), its rate changing every
// 20 s along a slow wave, so the fleet visibly moves. In-process autocannon API.
import autocannon from 'autocannon';

export interface DemoLoadOptions {
  /** demo nodes on loopback */
  ports?: number[];
  /** or full base URLs (the docker compose demo) */
  targets?: string[];
  /** requests per second per node at the wave's middle (default 150) */
  rate?: number;
  /** connections per node (default 4) */
  connections?: number;
}

// a realistic mix: many cheap reads, some searches (CPU), some writes, a few reports (long tail)
const REQUESTS: autocannon.Request[] = [
  { method: 'GET', path: '/api/users/17' },
  { method: 'GET', path: '/api/users/42' },
  { method: 'GET', path: '/api/products' },
  { method: 'GET', path: '/api/users/7' },
  { method: 'GET', path: '/api/search?q=product%201' },
  { method: 'POST', path: '/api/orders', body: '{"item":3}', headers: { 'content-type': 'application/json' } },
  { method: 'GET', path: '/api/users/99' },
  { method: 'GET', path: '/api/products' },
  { method: 'GET', path: '/api/reports/2026' },
  { method: 'GET', path: '/api/search?q=product%202' },
];

export class DemoLoad {
  private instances: autocannon.Instance[] = [];
  private timer: NodeJS.Timeout | undefined;
  private step = 0;
  private stopped = false;
  requests = 0;

  constructor(private readonly options: DemoLoadOptions) {}

  start(): void {
    this.round();
    this.timer = setInterval(() => this.round(), 20_000);
  }

  private round(): void {
    if (this.stopped) return;
    for (const i of this.instances) i.stop();
    this.instances = [];
    const base = this.options.rate ?? 150;
    // 0.5× … 1.5× over ~4 minutes; node k is phase-shifted so nodes do not move in lockstep
    const urls = this.options.targets ?? (this.options.ports ?? []).map((port) => `http://127.0.0.1:${port}`);
    urls.forEach((url, k) => {
      const wave = 1 + 0.5 * Math.sin((this.step + k * 2) * (Math.PI / 6));
      const inst = autocannon({
        url,
        connections: this.options.connections ?? 4,
        overallRate: Math.max(10, Math.round(base * wave)),
        duration: 25,
        requests: REQUESTS,
      }, () => {});
      inst.on('response', () => this.requests++);
      inst.on('error', () => {});
      this.instances.push(inst);
    });
    this.step++;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const i of this.instances) i.stop();
    this.instances = [];
  }
}
