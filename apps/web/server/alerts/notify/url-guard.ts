// Which target URLs the notifier may call: http(s) only, and optionally (PERF_ALERTS_BLOCK_PRIVATE=true) no
// loopback, private or link-local addresses, so rule authors cannot aim the dashboard at internal services.
// Literal IPs are checked when a rule is saved; host names are checked after DNS resolution at every
// delivery (see `guardedLookup`), which also defeats names that resolve to internal addresses.
import { BlockList, isIP } from 'node:net';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  // the unspecified and loopback addresses, and IPv4-compatible ones (::a.b.c.d, deprecated)
  ['::', 96],
  // NAT64 (well-known and local-use prefixes): 64:ff9b::7f00:1 reaches 127.0.0.1 on a cluster with DNS64/NAT64
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  // 6to4, whose addresses embed an IPv4 one (2002:7f00:1::)
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  // site-local (deprecated, still routed inside some networks)
  ['fec0::', 10],
  ['ff00::', 8],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

/** True for loopback, private, link-local, CGNAT, multicast and unspecified addresses (IPv4, IPv6, IPv4-mapped IPv6). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith('[') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family !== 6) return false;
  if (PRIVATE.check(bare, 'ipv6')) return true;
  // an IPv4 address carried in the last 32 bits of a translated (::ffff:0:a.b.c.d) form, which BlockList does not
  // match by prefix: checked as the IPv4 address it reaches
  const words = ipv6Words(bare);
  if (words !== undefined && words.slice(0, 4).every((w) => w === 0) && words[4] === 0xffff && words[5] === 0) {
    return PRIVATE.check(`${words[6] >> 8}.${words[6] & 255}.${words[7] >> 8}.${words[7] & 255}`, 'ipv4');
  }
  return false;
}

/** The eight 16-bit words of a valid IPv6 address (an embedded dotted IPv4 tail included). */
function ipv6Words(address: string): number[] | undefined {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) text = text.slice(0, v4.index) + (((+v4[1] << 8) | +v4[2]).toString(16) + ':' + ((+v4[3] << 8) | +v4[4]).toString(16));
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const a = parse(head);
  const b = parse(tail);
  const words = text.includes('::') ? [...a, ...new Array(8 - a.length - b.length).fill(0), ...b] : a;
  return words.length === 8 && words.every((w) => w >= 0 && w <= 0xffff) ? words : undefined;
}

/** Whether PERF_ALERTS_BLOCK_PRIVATE asks to refuse private targets. */
export function blockPrivateFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test(env.PERF_ALERTS_BLOCK_PRIVATE ?? '');
}

/** Checks a target URL; returns the reason it is refused, or undefined when it may be used. */
export function checkTargetUrl(text: string, blockPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http or https, not ${url.protocol.replace(':', '')}`;
  if (!url.hostname) return 'has no host';
  if (blockPrivate) {
    const host = url.hostname.toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost')) return 'points at localhost, which PERF_ALERTS_BLOCK_PRIVATE=true refuses';
    if (isPrivateAddress(host)) return `points at the private or link-local address ${host}, which PERF_ALERTS_BLOCK_PRIVATE=true refuses`;
  }
  return undefined;
}

/** A `lookup` for http.request that refuses names resolving to private addresses. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return (callback as any)(err);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) {
      const e = Object.assign(new Error(`${hostname} resolves to the private address ${bad.address}, refused by PERF_ALERTS_BLOCK_PRIVATE=true`), {
        code: 'PERF_TARGET_PRIVATE',
      });
      return (callback as any)(e);
    }
    if ((options as dns.LookupOptions).all) return (callback as any)(null, list);
    return (callback as any)(null, list[0].address, list[0].family);
  });
};
