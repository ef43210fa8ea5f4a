// The cost of a route-cache miss: normalizePath on URLs the agent has not seen before (every request of a URL
// seen before takes the route table's cached route and does not run it). A mix of what apps serve without a
// framework template: plain paths, ids, tokens, assets, and the personal data folded since audit F4 (e-mail
// addresses, phone numbers, IP addresses, dates, ;jsessionid). NORMALIZE_FROM=<dir> measures another copy of
// apps/agent/src (e.g. the code before a change) in the same way, for alternating runs.
//   node --import tsx bench/overhead/normalize.ts
import { machine, median, table } from '../lib/report.js';

const from = process.env.NORMALIZE_FROM ?? '../../apps/agent/src';
const { normalizePath } = (await import(`${from}/recording/normalizePath.js`)) as { normalizePath: (url: string) => string };

const N = 200_000;
const ROUNDS = 15;
const shapes = [
  (i: number) => `/api/items/${i}?page=${i % 7}`,
  (i: number) => `/users/${i}/orders/${(i * 2654435761).toString(16)}abc`,
  (i: number) => `/blog/post-number-${i % 97}-about-things`,
  (i: number) => `/static/app-${(i * 40503).toString(36)}x1.js`,
  (i: number) => `/api/v2/search?q=${i}`,
  () => '/health',
  (i: number) => `/users/user${i}@example.com/profile`,
  (i: number) => `/phone/+1415555${String(i % 10000).padStart(4, '0')}`,
  (i: number) => `/ip/10.0.${i % 256}.${(i >> 8) % 256}`,
  (i: number) => `/reports/2024-05-${String((i % 28) + 1).padStart(2, '0')}/summary`,
  (i: number) => `/cart;jsessionid=${(i * 2654435761).toString(36).toUpperCase()}ABCDEF/items`,
];
// fresh strings each round (as node:http makes them): a pool of 4096 distinct URLs
const pool = Array.from({ length: 4096 }, (_, i) => Buffer.from(shapes[i % shapes.length](i), 'latin1'));

let sink = 0;
/** the least any normaliser does, measured in the same run as the baseline: cut the query, split the segments, join them */
const baseline = (url: string): string => url.split('?')[0].split('/').join('/');
function round(fn: (url: string) => string): number {
  const urls = pool.map((b) => b.toString('latin1'));
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) sink += fn(urls[i & 4095]).length;
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / N;
}
round(normalizePath);
round(baseline);
const xs: number[] = [];
const bs: number[] = [];
// interleaved, so both see the same machine
for (let r = 0; r < ROUNDS; r++) {
  xs.push(round(normalizePath));
  bs.push(round(baseline));
}
void sink;
console.log(`# normalizePath on a cache miss (${from}), medians of ${ROUNDS} interleaved rounds — ${machine()}`);
table(
  ['what', 'ns per URL', '× baseline'],
  [
    ['baseline: split on ? and /, join', median(bs).toFixed(1), '1.00'],
    ['normalizePath', median(xs).toFixed(1), (median(xs) / median(bs)).toFixed(2)],
  ],
);
