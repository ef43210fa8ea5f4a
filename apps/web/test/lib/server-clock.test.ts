// "Last seen" ages on the server's clock (UI audit: with a browser clock behind, a silent node read "now").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noteServerTime, serverNow } from '../../lib/server-clock.js';

test('serverNow follows the server time the last snapshot reported, and ignores what is not a time', () => {
  const before = serverNow();
  assert.ok(Math.abs(before - Date.now()) < 50, 'the browser clock until a snapshot says otherwise');
  noteServerTime(Date.now() + 60_000);
  assert.ok(Math.abs(serverNow() - (Date.now() + 60_000)) < 50, 'a server a minute ahead');
  noteServerTime(undefined);
  noteServerTime(Number.NaN);
  assert.ok(Math.abs(serverNow() - (Date.now() + 60_000)) < 50, 'kept');
  noteServerTime(Date.now() - 5_000);
  assert.ok(Math.abs(serverNow() - (Date.now() - 5_000)) < 50, 'a server behind');
});
