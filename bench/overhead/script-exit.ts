// A short script with the agent preloaded, as every Node child of an app started with NODE_OPTIONS="--import
// @perf/agent" is (`node -p …`, a build step): wall time from spawn to exit, interleaved rounds, against the same script
// bare and with PERF_ENABLED=false (the agent's loading alone). The dashboard is not there (a refused port), the case
// in which an exit should cost least. `AGENT_IMPORT=<file URL>` measures another build (an earlier commit's dist).
//   node --import tsx bench/overhead/script-exit.ts
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machine, median, table } from '../lib/report.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const agent = process.env.AGENT_IMPORT ?? pathToFileURL(join(import.meta.dirname, '../../apps/agent/dist/index.js')).href;
const script = ['-p', '6 * 7'];

const variants: { name: string; env: Record<string, string> }[] = [
  { name: 'bare', env: {} },
  { name: 'agent loaded, PERF_ENABLED=false', env: { NODE_OPTIONS: `--import ${agent}`, PERF_ENABLED: 'false' } },
  { name: 'agent', env: { NODE_OPTIONS: `--import ${agent}`, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } },
];

/** PATH and HOME only: anything else set here (NODE_EXTRA_CA_CERTS: ≈ 100 ms to load a CA bundle) is not the agent's */
const clean: NodeJS.ProcessEnv = { ...process.env };
for (const k of Object.keys(clean)) if (k !== 'PATH' && k !== 'HOME') delete clean[k];

function once(env: Record<string, string>): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, script, { env: { ...clean, ...env }, encoding: 'utf8' });
  if (r.stdout.trim() !== '42') throw new Error(`the script printed ${JSON.stringify(r.stdout)} ${r.stderr}`);
  return performance.now() - t0;
}

const times = variants.map(() => [] as number[]);
const ratios = variants.map(() => [] as number[]);
for (const v of variants) once(v.env); // warm the file cache
for (let r = 0; r < ROUNDS; r++) {
  const round = variants.map((v) => once(v.env));
  round.forEach((ms, i) => {
    times[i].push(ms);
    ratios[i].push(ms / round[0]);
  });
}
console.log(machine());
console.log(`\`node -p "6 * 7"\` from spawn to exit, ${ROUNDS} interleaved rounds (medians; ratio to bare within each round)\n`);
table(
  ['variant', 'ms', 'vs bare'],
  variants.map((v, i) => [v.name, median(times[i]).toFixed(0), `${median(ratios[i]).toFixed(2)}×`]),
);
