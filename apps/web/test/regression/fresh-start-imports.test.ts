// `npm run demo` and `npm start` on a fresh clone: their entry scripts build the workspace's packages
// (ensureBuilt) before anything loads them, so what they import statically, through any chain of relative
// imports, must not reach a workspace package (@perf/*, whose dist/ does not exist yet). A change that imported
// server/server.js into scripts/ui.ts broke both commands with ERR_MODULE_NOT_FOUND (found by an outside audit;
// `npm test` builds first, so no other test saw it).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bare specifiers reached by static imports from `entry`, following relative ones. */
function staticImports(entry: string): Map<string, string> {
  const bare = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // static imports and re-exports only (`await import(…)` runs after ensureBuilt)
    for (const m of text.matchAll(/^(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        visit(existsSync(ts) ? ts : resolve(dirname(file), spec));
      } else if (!bare.has(spec)) bare.set(spec, file);
    }
  };
  visit(entry);
  return bare;
}

for (const entry of ['scripts/start.ts', 'demo/run.ts']) {
  test(`${entry} reaches no workspace package before it builds them`, () => {
    const reached = [...staticImports(join(WEB, entry))].filter(([spec]) => spec.startsWith('@perf/'));
    assert.deepEqual(reached, [], reached.map(([spec, from]) => `${spec} from ${from}`).join('; '));
  });
}
