// The Next.js UI served by the same process (custom server): pages render, `/api/v1` stays ours, and
// with PERF_API_TOKEN pages redirect to /login until the cookie is set. Needs a built UI (`pnpm start`
// or `pnpm --filter @perf/web run build`); skipped when apps/web/.next is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uiBuilt } from '../../server/server.js';
import { testServer } from './lib/server.js';

test('UI and API on one port; token-protected pages redirect to /login', { skip: !uiBuilt() && 'the UI is not built' }, async () => {
  const srv = await testServer({ ui: true, apiToken: 'tok' });
  try {
    const page = await fetch(`${srv.url}/`, { redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/login?next=%2F');
    const login = await fetch(`${srv.url}/login`);
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<html/i);
    const res = await fetch(`${srv.url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ token: 'tok' }) });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    const home = await fetch(`${srv.url}/`, { headers: { cookie } });
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    const api = await fetch(`${srv.url}/api/v1/fleet`, { headers: { cookie } });
    assert.equal(api.status, 200);
    assert.equal(typeof (await api.json()).rps, 'number');
  } finally {
    await srv.dispose();
  }
});
