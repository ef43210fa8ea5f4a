// What gzip bombs arriving together cost the dashboard in memory: rounds of 128 exports of 64 MiB of zeros gzipped
// (65 KB each on the wire) from 8 loopback addresses at once, against a dashboard in its own process; its RSS is read
// every 50 ms (peak) and 15 s after the last round. Each is cut at the body limit (PERF_MAX_BODY_BYTES, 8 MiB), and
// all bodies being read together at the receiver's byte budget (128 MiB): what is above that is garbage not yet
// collected and the process's own memory.
//   pnpm bench:bombs [--rounds 4]
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { machine, table } from '../lib/report.js';
import { startDashboard } from './lib.js';

const { values } = parseArgs({ args: process.argv.slice(2).filter((a) => a !== '--'), options: { rounds: { type: 'string', default: '4' } } });
const ROUNDS = Number(values.rounds);
const dash = await startDashboard();
const pid = dash.child.pid!;
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
const statuses = new Map<number, number>();
const post = (localAddress: string) =>
  new Promise<void>((resolve) => {
    const { port } = new URL(dash.otlpUrl);
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/metrics', method: 'POST', localAddress, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'content-length': bomb.length } },
      (res) => {
        statuses.set(res.statusCode!, (statuses.get(res.statusCode!) ?? 0) + 1);
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', () => resolve());
    req.end(bomb);
  });
await sleep(2000);
const before = rss();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rss())), 50);
for (let round = 0; round < ROUNDS; round++) {
  const all: Promise<void>[] = [];
  for (let a = 2; a < 10; a++) for (let i = 0; i < 16; i++) all.push(post(`127.0.0.${a}`));
  await Promise.all(all);
}
clearInterval(sampler);
await sleep(15_000);
const after = rss();
await dash.stop();
console.log(`# gzip bombs: ${ROUNDS} rounds of 128 × 64 MiB (${(bomb.length / 1024).toFixed(0)} KB gzipped) from 8 addresses — ${machine()}`);
table(
  ['RSS before', 'peak', '15 s after', 'answers'],
  [[`${before.toFixed(0)} MB`, `${peak.toFixed(0)} MB`, `${after.toFixed(0)} MB`, [...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')]],
);
