// A demo server with routes of different latency profiles, observed by the agent
// (`node --import @perf/agent --import tsx demo/app.ts`). DEMO_FRAMEWORK=http (node:http) or fastify.
// DEMO_SLOW=1.5 makes this node's database calls 1.5× slower (so the fleet is not uniform).
// Sends { port } to the parent over IPC once listening.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';

const slow = Number(process.env.DEMO_SLOW ?? 1);
const framework = process.env.DEMO_FRAMEWORK ?? 'http';
// loopback unless told otherwise (the docker compose demo listens on the container network)
const host = process.env.DEMO_HOST ?? '127.0.0.1';

/** A lognormal "database call" around `median` ms. */
function dbTime(median: number, sigma = 0.5): number {
  let u = Math.random();
  while (u === 0) u = Math.random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
  return median * slow * Math.exp(sigma * z);
}

/** A little synchronous CPU work (hashing), ~`ms` milliseconds. */
function cpu(ms: number): string {
  const end = performance.now() + ms;
  let h = 'x';
  while (performance.now() < end) h = createHash('sha256').update(h).digest('hex');
  return h.slice(0, 8);
}

const products = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `product ${i}`, price: (i * 7.3) % 100 }));
const cache: Buffer[] = [];

interface Answer {
  status: number;
  body: unknown;
}

/** The routes, framework-independent: (params, query) → answer. */
const handlers = {
  async user(id: string): Promise<Answer> {
    await sleep(dbTime(2));
    return { status: 200, body: { id, name: `user ${id}` } };
  },
  async products(): Promise<Answer> {
    await sleep(dbTime(15, 0.6));
    return { status: 200, body: products.slice(0, 50) };
  },
  async search(q: string): Promise<Answer> {
    const hit = cpu(2 + Math.random() * 3);
    return { status: 200, body: { q, hit, results: products.filter((p) => p.name.includes(q)).slice(0, 10) } };
  },
  async order(): Promise<Answer> {
    await sleep(dbTime(40, 0.4));
    // a payment provider that fails now and then
    if (Math.random() < 0.01) return { status: 502, body: { error: 'payment provider unavailable' } };
    return { status: 201, body: { ok: true } };
  },
  async report(id: string): Promise<Answer> {
    // mostly quick, sometimes a long scan: the tail shows in p99, not p50
    await sleep(Math.random() < 0.05 ? dbTime(400, 0.3) : dbTime(20));
    if (cache.length < 64) cache.push(Buffer.alloc(16 * 1024));
    return { status: 200, body: { id, rows: 100 } };
  },
};

async function startHttp(): Promise<number> {
  const send = (res: ServerResponse, a: Answer) => {
    const body = JSON.stringify(a.body);
    res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/');
    let p: Promise<Answer>;
    if (req.method === 'GET' && parts[1] === 'api' && parts[2] === 'users' && parts[3]) p = handlers.user(parts[3]);
    else if (req.method === 'GET' && url.pathname === '/api/products') p = handlers.products();
    else if (req.method === 'GET' && url.pathname === '/api/search') p = handlers.search(url.searchParams.get('q') ?? '');
    else if (req.method === 'POST' && url.pathname === '/api/orders') {
      req.resume();
      p = handlers.order();
    } else if (req.method === 'GET' && parts[1] === 'api' && parts[2] === 'reports' && parts[3]) p = handlers.report(parts[3]);
    else if (url.pathname === '/health') p = Promise.resolve({ status: 200, body: { ok: true } });
    else p = Promise.resolve({ status: 404, body: { error: 'not found' } });
    p.then(
      (a) => send(res, a),
      () => send(res, { status: 500, body: { error: 'internal' } }),
    );
  });
  await new Promise<void>((r) => server.listen(Number(process.env.PORT ?? 0), host, r));
  return (server.address() as { port: number }).port;
}

async function startFastify(): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const reply = (a: Answer, r: { code(n: number): { send(b: unknown): unknown } }) => r.code(a.status).send(a.body);
  app.get<{ Params: { id: string } }>('/api/users/:id', async (req, r) => reply(await handlers.user(req.params.id), r));
  app.get('/api/products', async (_req, r) => reply(await handlers.products(), r));
  app.get<{ Querystring: { q?: string } }>('/api/search', async (req, r) => reply(await handlers.search(req.query.q ?? ''), r));
  app.post('/api/orders', async (_req, r) => reply(await handlers.order(), r));
  app.get<{ Params: { id: string } }>('/api/reports/:id', async (req, r) => reply(await handlers.report(req.params.id), r));
  app.get('/health', async () => ({ ok: true }));
  await app.listen({ port: Number(process.env.PORT ?? 0), host });
  return (app.server.address() as { port: number }).port;
}

const port = framework === 'fastify' ? await startFastify() : await startHttp();
if (process.send) process.send({ port });
else console.log(`demo ${framework} server on http://${host}:${port}`);
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
