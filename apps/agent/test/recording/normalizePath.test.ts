import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizePath } from '../../src/recording/normalizePath.js';

test('folds identifiers to :id and drops query and fragment', () => {
  const cases: [string, string][] = [
    ['/', '/'],
    ['/health?verbose=1', '/health'],
    ['/users/123', '/users/:id'],
    ['/users/123/', '/users/:id'],
    ['/users/123/orders/456#top', '/users/:id/orders/:id'],
    ['/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items', '/orders/:id/items'],
    ['/blobs/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '/blobs/:id'],
    ['/files/deadbeef12', '/files/:id'],
    ['/t/aGVsbG8gd29ybGQgdGhpcyBpcyBsb25n1', '/t/:id'],
    ['/api/v2/users', '/api/v2/users'],
    ['/about-us', '/about-us'],
    ['/static/app.js', '/static/app.js'],
    ['/decade', '/decade'], // hex letters only, no digit: a word, not a hash
    ['http://example.com/users/7?x', '/users/:id'],
    ['*', '*'], // OPTIONS * asks about the server: not the root resource
    ['example.com:443', '/'], // an authority form that reached a handler: no path
  ];
  for (const [input, expected] of cases) assert.equal(normalizePath(input), expected, input);
});

test('a very long path becomes a bounded label', () => {
  const long = `/${'segment/'.repeat(100)}`;
  assert.ok(normalizePath(long).length <= 200);
});

test('file names with a content hash fold; ordinary asset names stay', () => {
  assert.equal(normalizePath('/_next/static/chunks/0a1b2c3d4e5f6789.js'), '/_next/static/chunks/:id');
  assert.equal(normalizePath('/_next/static/chunks/app/page-3f2a9c1b7d6e5f40.js'), '/_next/static/chunks/app/:id');
  assert.equal(normalizePath('/_next/static/chunks/4bd1b696-5a5e3d7a3a0a8ff6.js'), '/_next/static/chunks/:id');
  assert.equal(normalizePath('/assets/main-app-0d4f3c2b.css?v=2'), '/assets/:id');
  for (const kept of ['/static/bootstrap.min.css', '/logo192.png', '/favicon.ico', '/css/styles-2024.css', '/_next/static/chunks/webpack.js']) {
    assert.equal(normalizePath(kept), kept);
  }
});

// regression (audit F4): personal data and session ids were route labels (in the dashboard's store, in alert webhooks)
test('e-mail addresses, phone numbers, IPv4/IPv6 addresses and dates fold to :id', () => {
  const cases: [string, string][] = [
    ['/users/alice@example.com', '/users/:id'],
    ['/users/bob%40example.com', '/users/:id'],
    ['/users/Alice.Smith@corp.example.org/profile', '/users/:id/profile'],
    ['/phone/+14155550123', '/phone/:id'],
    ['/phone/%2B442071838750', '/phone/:id'],
    ['/phone/415-555-0123', '/phone/:id'],
    ['/phone/+1-415-555-0123', '/phone/:id'],
    ['/ip/10.0.0.1', '/ip/:id'],
    ['/ip/192.168.100.254/ports', '/ip/:id/ports'],
    ['/ip/2001:db8::1', '/ip/:id'],
    ['/ip/::1', '/ip/:id'],
    ['/ip/2001%3Adb8%3A%3A1', '/ip/:id'],
    ['/ip/fe80::1ff:fe23:4567:890a', '/ip/:id'],
    ['/date/2024-05-01', '/date/:id'],
    ['/reports/2024-05-01T10:00:00Z/summary', '/reports/:id/summary'],
  ];
  for (const [input, expected] of cases) assert.equal(normalizePath(input), expected, input);
});

test(';matrix and ;jsessionid parameters are dropped from segments', () => {
  assert.equal(normalizePath('/cart;jsessionid=ABC123DEF456GHI789JKL'), '/cart');
  assert.equal(normalizePath('/semi;jsessionid=ABC123DEF456GHI789JKL/123'), '/semi/:id');
  assert.equal(normalizePath('/cars;color=red;year=2020/engine?x=1'), '/cars/engine');
  assert.equal(normalizePath('/shop/items/42;v=3'), '/shop/items/:id');
});

test('look-alikes that are not identifiers stay as they are', () => {
  for (const kept of [
    '/v1',
    '/api/v2/users',
    '/api/2fa',
    '/files/report.pdf',
    '/@babel/core', // a package scope, not an e-mail address
    '/@alice',
    '/releases/1.2.3', // a version: too few digits for a phone number, too few parts for an address
    '/releases/v10.0.1',
    '/v1/things:batchGet', // Google-style custom methods: one colon
    '/time/10:30',
    '/en-US/docs',
    '/c++',
  ]) {
    assert.equal(normalizePath(kept), kept);
  }
});
