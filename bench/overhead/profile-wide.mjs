// The worst case for a CPU profile's cost on the app's thread: an app of 3,000 functions whose every sample is
// a different 40-deep stack (so the profile has tens of thousands of nodes, where a typical server's has tens
// to hundreds), profiled back to back by the agent (cooldown 0). Prints the app's longest event-loop delay
// every 0.5 s: the starts (V8 logging the compiled code) and the stops (V8 building the profile) stand out.
//   pnpm --filter @perf/agent run build && node bench/overhead/profile-wide.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'perf-profile-wide-'));
let src = '';
for (let i = 0; i < 3000; i++) {
  src += `function f${i}(d, r) { if (d === 0) { const u = performance.now() + 0.05; while (performance.now() < u); return 1; } return fns[(r * 31 + ${i}) % 3000](d - 1, (r * 1103515245 + 12345) >>> 0); }\n`;
}
src += `const fns = [${Array.from({ length: 3000 }, (_, i) => `f${i}`).join(',')}];\n`;
src += `let r = 1; setInterval(() => { for (let k = 0; k < 200; k++) { r = (r * 69069 + 1) >>> 0; fns[r % 3000](40, r); } }, 1);\n`;
src += `const { monitorEventLoopDelay } = require('node:perf_hooks'); const h = monitorEventLoopDelay({ resolution: 1 }); h.enable();\n`;
src += `const t0 = Date.now(); setInterval(() => { console.log('t=' + ((Date.now() - t0) / 1000).toFixed(1) + ' s  longest delay ' + (h.max / 1e6).toFixed(0) + ' ms'); h.reset(); }, 500);\n`;
src += `setTimeout(() => process.exit(0), 16000);\n`;
writeFileSync(join(dir, 'wide.cjs'), src);
const child = spawn(process.execPath, ['--import', join(here, '../../apps/agent/dist/index.js'), join(dir, 'wide.cjs')], {
  stdio: ['ignore', 'inherit', 'ignore'],
  env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', PERF_PROFILE_AFTER: '0', PERF_PROFILE_COOLDOWN: '0' },
});
child.on('exit', () => rmSync(dir, { recursive: true, force: true }));
