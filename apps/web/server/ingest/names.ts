// Service, instance, host, method and route names as the dashboard keeps them, from OTLP attribute values.
import type { AttributeValue } from '@perf/metrics';

function str(v: AttributeValue | undefined): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Longest service, instance, host, method or route name kept (longer ones are cut, marked with …). */
export const MAX_NAME_LENGTH = 256;
/** Control characters and the bidirectional overrides that make "inst\u202egnp.exe" read "instexe.png". */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A name as the dashboard shows, stores and sends it in alerts: without control characters or direction overrides,
 * and at most MAX_NAME_LENGTH characters (a sender's 2 MB route made every live-stream client receive 1.8 MB/s).
 */
export function cleanName(name: string): string {
  let out = name.replace(UNSAFE_CHARS, '');
  if (out.length > MAX_NAME_LENGTH) {
    // cut between characters, not inside a surrogate pair (a lone half is not UTF-8, and encodeURIComponent throws on it)
    let cut = MAX_NAME_LENGTH - 1;
    const last = out.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut--;
    out = out.slice(0, cut) + '…';
  }
  return out;
}

/** An attribute value as a name (cleanName), or undefined when it is not a string, number or boolean. */
export function nameOf(v: AttributeValue | undefined): string | undefined {
  const s = str(v);
  return s === undefined ? undefined : cleanName(s);
}
