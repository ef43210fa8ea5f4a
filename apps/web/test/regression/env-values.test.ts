// Dashboard settings from the environment: a bad value is one clear message and the default, never a silent NaN
// or a limit of 0 that refuses everything (fifth outside audit: PERF_NODE_RETENTION=abc lost every node on restart,
// PERF_INGEST_QUEUE=0 answered every export 429, both without a word).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optionsFromEnv } from '../../server/main.js';

const env = (vars: Record<string, string>) => vars as unknown as NodeJS.ProcessEnv;

/** Runs `fn` with console.error collected into the list it is given and console.warn silenced. */
function withMessages(fn: (messages: string[]) => void): void {
  const messages: string[] = [];
  const error = console.error;
  const warn = console.warn;
  console.error = (m: string) => messages.push(m);
  console.warn = () => {};
  try {
    fn(messages);
  } finally {
    console.error = error;
    console.warn = warn;
  }
}

test('bad durations and zero limits: a message each, and the defaults', () => {
  withMessages((messages) => {
  const o = optionsFromEnv(env({ PERF_NODE_RETENTION: '15min', PERF_INGEST_QUEUE: '0', PERF_MAX_BODY_BYTES: '0', PERF_MAX_SERIES_PER_SERVICE: '0', PORT: '0' }), ['--no-ui']);
  assert.equal(o.store?.nodeRetentionMs, 15 * 60_000);
  assert.equal(o.ingestQueue, 256);
  assert.equal(o.maxBodyBytes, 8 * 1024 * 1024);
  assert.equal(o.store?.maxSeriesPerService, 10_000);
  assert.equal(o.port, 0, 'port 0 picks a free port: allowed');
  assert.deepEqual(
    messages.map((m) => m.split('=')[0]),
    ['perf: PERF_MAX_SERIES_PER_SERVICE', 'perf: PERF_NODE_RETENTION', 'perf: PERF_MAX_BODY_BYTES', 'perf: PERF_INGEST_QUEUE'],
  );
  assert.match(messages[1], /PERF_NODE_RETENTION="15min" is not a duration \(e\.g\. 15m, 90s, 2h\); using 15m/);
  const good = optionsFromEnv(env({ PERF_NODE_RETENTION: '90s', PERF_INGEST_QUEUE: '16' }), ['--no-ui']);
  assert.equal(good.store?.nodeRetentionMs, 90_000);
  assert.equal(good.ingestQueue, 16);
  });
});

// outside audit (hostile input): PERF_OTLP_PORT=99999 stopped the start with "options.port should be >= 0 and < 65536"
// (no variable named), and PERF_PROMETHEUS_URL=notaurl was taken ("reading the agents from Prometheus at notaurl")
test('a port out of range or a Prometheus URL that is not one stops the start, naming the variable', () => {
  assert.throws(() => optionsFromEnv(env({ PERF_OTLP_PORT: '99999' }), ['--no-ui']), /^Error: PERF_OTLP_PORT="99999" is not a TCP port \(0 to 65535/);
  assert.throws(() => optionsFromEnv(env({ PORT: 'http' }), ['--no-ui']), /^Error: PORT="http" is not a TCP port/);
  assert.throws(() => optionsFromEnv(env({ PERF_PROMETHEUS_URL: 'notaurl' }), ['--no-ui']), /^Error: PERF_PROMETHEUS_URL="notaurl" is not a URL/);
  assert.throws(() => optionsFromEnv(env({ PERF_PROMETHEUS_URL: 'ftp://prom:9090' }), ['--no-ui']), /is not an http:\/\/ or https:\/\/ URL/);
  const o = optionsFromEnv(env({ PERF_OTLP_PORT: '4318', PERF_PROMETHEUS_URL: ' http://prom:9090 ' }), ['--no-ui']);
  assert.equal(o.otlpPort, 4318);
  assert.equal(o.prometheusUrl, 'http://prom:9090');
});

test('a UI build that did not finish (BUILD_ID written, its last files not) is not taken for a build', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, utimesSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { uiBuilt } = await import('../../server/server.js');
  const dir = mkdtempSync(join(tmpdir(), 'perf-ui-built-'));
  try {
    mkdirSync(join(dir, '.next', 'server'), { recursive: true });
    writeFileSync(join(dir, '.next', 'BUILD_ID'), 'abc');
    assert.equal(uiBuilt(dir), false, 'interrupted: BUILD_ID alone');
    writeFileSync(join(dir, '.next', 'prerender-manifest.json'), '{}');
    writeFileSync(join(dir, '.next', 'server', 'preview-props.json'), '{}');
    assert.equal(uiBuilt(dir), true);
    // a later build interrupted after writing its BUILD_ID: the last files are the previous build's
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, '.next', 'BUILD_ID'), later, later);
    assert.equal(uiBuilt(dir), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// outside audit AB6: a token read from a secrets file ends in a newline; every agent and API call was refused (401)
test('tokens: whitespace around one is taken off, with a message; one that is only whitespace stops the start', () => {
  withMessages((messages) => {
  const o = optionsFromEnv(env({ PERF_INGEST_TOKEN: 'ing1\n', PERF_API_TOKEN: ' tok1 ' }), ['--no-ui']);
  assert.equal(o.ingestToken, 'ing1');
  assert.equal(o.apiToken, 'tok1');
  assert.equal(messages.filter((m) => /has whitespace around it/.test(m)).length, 2);
  assert.throws(() => optionsFromEnv(env({ PERF_INGEST_TOKEN: ' ' }), ['--no-ui']), /^Error: PERF_INGEST_TOKEN is only whitespace/);
  assert.equal(optionsFromEnv(env({ PERF_API_TOKEN: '' }), ['--no-ui']).apiToken, undefined);
  });
});

// outside audit AB7: PERF_TIERS=1s:10s was taken, and every page of the UI then read 400 (its shortest range is 5 min)
test('PERF_TIERS: a finest tier coarser than 1 s, or a longest retention under 5 min, stops the start with a sentence', () => {
  assert.throws(() => optionsFromEnv(env({ PERF_TIERS: '1s:10s' }), ['--no-ui']), /^Error: PERF_TIERS: the longest retention must be at least 5m/);
  assert.throws(() => optionsFromEnv(env({ PERF_TIERS: '10s:1h,1m:1d' }), ['--no-ui']), /^Error: PERF_TIERS: the finest tier's step must be 1s .*not 10s/);
  assert.throws(() => optionsFromEnv(env({ PERF_TIERS: '1s:15m,10s:1h,15s:1d' }), ['--no-ui']), /multiple of the previous one/);
  assert.deepEqual(optionsFromEnv(env({ PERF_TIERS: '1s:5m' }), ['--no-ui']).store?.tiers, [{ step: 1, retention: 300 }]);
  assert.deepEqual(optionsFromEnv(env({ PERF_TIERS: '1s:2m,10s:1h' }), ['--no-ui']).store?.tiers, [
    { step: 1, retention: 120 },
    { step: 10, retention: 3600 },
  ]);
});
