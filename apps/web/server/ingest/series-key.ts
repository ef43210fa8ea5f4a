// The key a series is stored under: its metric name and its attributes, bounded in length.
import { createHash } from 'node:crypto';
import type { Attributes } from '@perf/metrics';

/** Stable key of a point's attributes (sorted), e.g. `http.request.method=GET|http.route=/a|…`. */
export function attributesKey(attrs: Attributes): string {
  const keys = Object.keys(attrs);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  let k = '';
  for (const name of keys) {
    const v = attrs[name];
    k += name + '=' + (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)) + '|';
  }
  return k;
}

/** Longest series key kept as it is; longer ones (huge attribute values, thousands of attributes) are kept as a hash. */
const MAX_KEY_LENGTH = 1024;
export function boundedKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `#sha256:${createHash('sha256').update(key).digest('base64')}`;
}
