// The processes the auto-start skips: package managers and launchers that inherit NODE_OPTIONS="--import
// @perf/agent", and `next build` with its workers (each was an idle node of its own on the dashboard).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLauncher } from '../src/launcher.js';

test('launchers are recognised by the script node runs; servers and apps are not', () => {
  const launchers = [
    ['/usr/bin/node', '/usr/lib/node_modules/npm/bin/npm-cli.js', 'start'],
    ['/usr/bin/node', '/usr/local/lib/node_modules/npm/bin/npx-cli.js', 'tsx', 'app.ts'],
    ['/usr/bin/node', '/home/a/.tools/node_modules/pnpm/bin/pnpm.cjs', 'start'],
    ['/usr/bin/node', '/usr/lib/node_modules/corepack/dist/corepack.js', 'pnpm', 'start'],
    ['/usr/bin/node', '/srv/app/node_modules/yarn/bin/yarn.js', 'start'],
    ['/usr/bin/node', '/srv/app/node_modules/tsx/dist/cli.mjs', 'src/app.ts'],
    ['/usr/bin/node', '/srv/app/node_modules/next/dist/bin/next', 'build'],
    ['/usr/bin/node', '/srv/app/node_modules/next/dist/compiled/jest-worker/processChild.js'],
    ['C:\\node.exe', 'C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js', 'start'],
  ];
  for (const argv of launchers) assert.equal(isLauncher(argv), true, argv.join(' '));
  const servers = [
    ['/usr/bin/node', '/srv/app/server.js'],
    ['/usr/bin/node', '/srv/app/node_modules/next/dist/bin/next', 'start', '-p', '3000'],
    ['/usr/bin/node', '/srv/app/node_modules/next/dist/bin/next', 'dev'],
    ['/usr/bin/node', '/srv/app/node_modules/next/dist/bin/next'],
    ['/usr/bin/node', '/srv/app/node_modules/next/dist/bin/next', '--port', '3000'],
    ['/usr/bin/node', '/srv/app/dist/npm-cli.js'],
    ['/usr/bin/node', '/srv/app/src/tsx/dist/cli.ts'],
    ['/usr/bin/node'],
  ];
  for (const argv of servers) assert.equal(isLauncher(argv), false, argv.join(' '));
});

test('a launcher started through a link in a bin folder (/usr/bin/npm, node_modules/.bin/next) is judged by the file it points to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-launcher-unit-'));
  try {
    mkdirSync(join(dir, 'lib', 'node_modules', 'npm', 'bin'), { recursive: true });
    mkdirSync(join(dir, 'app', 'node_modules', 'next', 'dist', 'bin'), { recursive: true });
    mkdirSync(join(dir, 'app', 'node_modules', '.bin'), { recursive: true });
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), '');
    writeFileSync(join(dir, 'app', 'node_modules', 'next', 'dist', 'bin', 'next'), '');
    symlinkSync(join(dir, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), join(dir, 'bin', 'npm'));
    symlinkSync('../next/dist/bin/next', join(dir, 'app', 'node_modules', '.bin', 'next'));
    assert.equal(isLauncher(['/usr/bin/node', join(dir, 'bin', 'npm'), 'start']), true);
    assert.equal(isLauncher(['/usr/bin/node', join(dir, 'app', 'node_modules', '.bin', 'next'), 'build']), true);
    assert.equal(isLauncher(['/usr/bin/node', join(dir, 'app', 'node_modules', '.bin', 'next'), 'start']), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
