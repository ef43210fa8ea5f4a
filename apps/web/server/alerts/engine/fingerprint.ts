// An alert's identity: the Prometheus label-set fingerprint (FNV-1a 64 over sorted "name\xffvalue\xff"),
// printed as 16 hex digits like Alertmanager's, so the same rule and labels give the same fingerprint in perf,
// in webhook receivers and in Alertmanager, across restarts.

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEP = 0xff;
const encoder = new TextEncoder();

function mix(hash: bigint, bytes: Uint8Array): bigint {
  for (let i = 0; i < bytes.length; i++) hash = ((hash ^ BigInt(bytes[i])) * PRIME) & MASK;
  return hash;
}

/** Fingerprint of a label set; independent of key order. */
export function fingerprint(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  let h = OFFSET;
  const sep = new Uint8Array([SEP]);
  for (const n of names) {
    h = mix(h, encoder.encode(n));
    h = mix(h, sep);
    h = mix(h, encoder.encode(labels[n]));
    h = mix(h, sep);
  }
  return h.toString(16).padStart(16, '0');
}

/** A cheap, order-independent key for a label set (used per tick to find an alert; the fingerprint is computed once per alert). */
export function labelKey(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  if (names.length > 1) names.sort();
  let out = '';
  for (const n of names) out += `${n}\u0000${labels[n]}\u0001`;
  return out;
}
