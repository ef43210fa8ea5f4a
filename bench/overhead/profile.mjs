#!/usr/bin/env node
// Flame graph of the agent-loaded hello-world server under load, for whoever hunts the next nanosecond:
//   pnpm profile            (clinic 13 via pnpm dlx: not a dependency; the report lands in bench/overhead/.clinic/)
// Env: PROFILE_SECONDS (default 10), PROFILE_CONNECTIONS (32), BENCH_HANDLER (hello | json), BENCH_VARIANT (agent).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const agent = join(here, '../../apps/agent/dist/index.js');
const autocannon = join(here, '../node_modules/.bin/autocannon');
const seconds = process.env.PROFILE_SECONDS ?? '10';
const connections = process.env.PROFILE_CONNECTIONS ?? '32';
const variant = process.env.BENCH_VARIANT ?? 'agent';
const nodeArgs = variant === 'agent' ? ['--import', agent] : [];

const r = spawnSync(
  'pnpm',
  [
    '--allow-build=es5-ext',
    'dlx',
    'clinic@13.0.0',
    'flame',
    '--open=false',
    '--dest',
    join(here, '.clinic'),
    '--on-port',
    `${autocannon} -c ${connections} -d ${seconds} http://127.0.0.1:$PORT/`,
    '--',
    'node',
    ...nodeArgs,
    join(here, 'server.mjs'),
  ],
  {
    cwd: here,
    stdio: 'inherit',
    // NO_INSIGHT: otherwise clinic exits 0 silently without a report on CI-like machines
    env: { ...process.env, NO_INSIGHT: '1', BENCH_VARIANT: variant, OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:9' },
  },
);
process.exit(r.status ?? 1);
