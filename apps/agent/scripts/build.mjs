// Builds @perf/agent: `tsc` emits the type declarations, esbuild the JavaScript, bundled into a few files:
// dist/index.js (auto-start), dist/api.js, dist/worker.js (the export thread) and the chunks they share.
//   node scripts/build.mjs        (pnpm --filter @perf/agent run build; @perf/metrics must be built first)
//
// Why bundled: `node --import @perf/agent` loads the agent through node's ESM loader, and a graph of ~30 files
// made node's own EventEmitter constructor feedback megamorphic in a small app: V8 then compiled node:http's
// IncomingMessage and ServerResponse construction with generic property stores (≈ 500 instructions more per
// request on the hello-world server; BENCHMARKS.md "Agent overhead", fifth session). Preloading a few files
// does not. @perf/metrics is bundled in; the OpenTelemetry SDK and prom-client stay external (the export
// thread and the /metrics endpoint import them from node_modules, only where they run).
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// The declarations: @perf/metrics is bundled into the JavaScript and is no dependency of the package, so its
// declarations ship as dist/metrics and the agent's point there (an app compiled without skipLibCheck failed on
// "Cannot find module '@perf/metrics'"; contract audit).
const metricsDist = dirname(require.resolve('@perf/metrics'));
cpSync(metricsDist, join(root, 'dist', 'metrics'), { recursive: true, filter: (src) => !/\.(js|map)$/.test(src) });
for (const entry of readdirSync(join(root, 'dist'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  if (file.startsWith(join(root, 'dist', 'metrics'))) continue;
  const text = readFileSync(file, 'utf8');
  if (!text.includes('@perf/metrics')) continue;
  let target = relative(entry.parentPath, join(root, 'dist', 'metrics', 'index.js')).replaceAll('\\', '/');
  if (!target.startsWith('.')) target = './' + target;
  writeFileSync(file, text.replace(/(['"])@perf\/metrics\1/g, `'${target}'`));
}

await build({
  absWorkingDir: root,
  // worker.js sits beside the chunk that starts it (ExportWorker resolves './worker.js' from its own URL)
  entryPoints: { index: 'src/index.ts', api: 'src/api.ts', worker: 'src/export/worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['@opentelemetry/*', 'prom-client'],
  logLevel: 'warning',
});
