// Source maps for profiled places: a function in compiled JavaScript is named at its line in the TypeScript
// it came from, whether the map sits in a .map file the output links to (tsc's default) or inline in it; a file without a map,
// or with a broken one, keeps its own place.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildSync } from 'esbuild';
import { SourceMaps } from '../../src/export/sourceMaps.js';

const dir = mkdtempSync(join(tmpdir(), 'perf-sourcemaps-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TS = `// an app's TypeScript
interface Invoice {
  lines: number[];
}

export function renderInvoice(invoice: Invoice): string {
  let out = '';
  for (const line of invoice.lines) out += String(line * 1.2);
  return out;
}
`;
mkdirSync(join(dir, 'src'));
writeFileSync(join(dir, 'src', 'invoice.ts'), TS);

function compile(sourcemap: 'linked' | 'inline', out: string): { file: string; line: number; column: number } {
  buildSync({ entryPoints: [join(dir, 'src', 'invoice.ts')], outfile: join(dir, 'dist', out), sourcemap, bundle: false, format: 'esm', logLevel: 'silent' });
  const js = readFileSync(join(dir, 'dist', out), 'utf8').split('\n');
  const at = js.findIndex((l) => l.includes('function renderInvoice('));
  assert.ok(at >= 0);
  return { file: join(dir, 'dist', out), line: at + 1, column: js[at].indexOf('function') + 1 };
}

const tsLine = TS.split('\n').findIndex((l) => l.includes('function renderInvoice(')) + 1;

test('a .map file beside the output maps back to the TypeScript line', () => {
  const place = compile('linked', 'linked.js');
  const original = new SourceMaps().original(place);
  assert.equal(original.file, join(dir, 'src', 'invoice.ts'));
  assert.equal(original.line, tsLine);
  assert.notEqual(place.line, tsLine, 'the compiled line differs (types and comments are gone)');
});

test('an inline data: map does too', () => {
  const original = new SourceMaps().original(compile('inline', 'inline.js'));
  assert.deepEqual([original.file, original.line], [join(dir, 'src', 'invoice.ts'), tsLine]);
});

test('no map, a broken map, a missing file or no line: the place stays as it is', () => {
  const maps = new SourceMaps();
  const plain = join(dir, 'plain.js');
  writeFileSync(plain, 'function x() {}\n');
  const broken = join(dir, 'broken.js');
  writeFileSync(broken, 'function x() {}\n//# sourceMappingURL=broken.js.map\n');
  writeFileSync(join(dir, 'broken.js.map'), '{ not json');
  for (const place of [
    { file: plain, line: 1, column: 1 },
    { file: broken, line: 1, column: 1 },
    { file: join(dir, 'gone.js'), line: 3, column: 1 },
    { file: 'node:internal/timers', line: 10, column: 2 },
    { file: join(dir, 'dist', 'linked.js'), line: 0, column: 0 },
  ]) {
    assert.deepEqual(maps.original(place), place);
  }
});
