// The login page's ?next= (security audit: /%09/evil.example sent the browser to evil.example after sign-in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeNext } from '../../app/login/safe-next.js';

test('next= stays on this origin: paths pass, anything a browser could read as another host is /', () => {
  for (const ok of ['/', '/nodes', '/nodes/api-1?window=1h#chart', '/routes/detail?route=%2Fx']) assert.equal(safeNext(ok), ok);
  for (const bad of [undefined, '', 'https://evil.example', '//evil.example', '/\\evil.example', '/\t/evil.example/phish', '/\n/evil.example', '/ /evil.example', 'javascript:alert(1)', '/\u007f/x']) {
    assert.equal(safeNext(bad), '/', JSON.stringify(bad));
  }
});
