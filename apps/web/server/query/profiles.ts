// The nodes' last CPU, heap and allocation profiles (ingest/profile.ts keeps one of each per node), as
// `GET /api/v1/profiles`, `/heap-profiles`, `/allocation-profiles` and the diagnosis show them.

import type { CpuProfile, HeapProfile, ProfileWindow } from '../api/types.js';
import type { FleetStore } from '../store/FleetStore.js';
import type { NodeProfile, NodeState } from '../store/node.js';

/** The node's names and the profile's window. */
function windowOf(service: string, node: NodeState, p: NodeProfile<unknown>): ProfileWindow {
  return { instance: node.meta.instance, service, host: node.meta.host, start: p.start, end: p.end, samples: Number.isFinite(p.samples) ? p.samples : 0 };
}

export function cpuProfile(service: string, node: NodeState): CpuProfile | undefined {
  const p = node.profile;
  if (p === undefined || p.functions.length === 0) return undefined;
  const idle = p.functions.reduce((s, f) => (f.name === '(idle)' && f.file === '' ? s + f.share : s), 0);
  return {
    ...windowOf(service, node, p),
    busy: Math.max(0, Math.min(1, 1 - idle)),
    functions: p.functions,
  };
}

interface NodeFilter {
  service?: string | null;
  instance?: string | null;
}

/** `profileOf` of every node (of one service, or one node) that has one, newest first. */
function newestFirst<P extends { end: number }>(store: FleetStore, filter: NodeFilter, profileOf: (service: string, node: NodeState) => P | undefined): P[] {
  const out: P[] = [];
  for (const svc of store.services.values()) {
    if (filter.service && svc.name !== filter.service) continue;
    for (const node of svc.nodes.values()) {
      if (filter.instance && node.meta.instance !== filter.instance) continue;
      const p = profileOf(svc.name, node);
      if (p !== undefined) out.push(p);
    }
  }
  return out.sort((a, b) => b.end - a.end);
}

/** Every node's last CPU profile (of one service, or one node), newest first. */
export function cpuProfiles(store: FleetStore, filter: NodeFilter = {}): CpuProfile[] {
  return newestFirst(store, filter, cpuProfile);
}

export function heapProfile(service: string, node: NodeState, kind: 'held' | 'allocated' = 'held'): HeapProfile | undefined {
  const p = kind === 'held' ? node.heapProfile : node.allocationProfile;
  if (p === undefined || p.functions.length === 0) return undefined;
  return {
    ...windowOf(service, node, p),
    bytes: p.functions.reduce((s, f) => s + f.bytes, 0),
    functions: p.functions,
  };
}

/** Every node's last heap profile (or allocation profile), of one service or one node, newest first. */
export function heapProfiles(store: FleetStore, filter: NodeFilter = {}, kind: 'held' | 'allocated' = 'held'): HeapProfile[] {
  return newestFirst(store, filter, (service, node) => heapProfile(service, node, kind));
}
