// A node's last profiles as the data file keeps them: one row per kind, written once, read back at start.
import { PROFILE_FIELDS, type NodeProfile, type NodeState } from '../node.js';

/** A node's profiles by kind (the CPU profile, the heap profile, the allocation profile), as the store keeps them. */
export type ProfileKind = keyof typeof PROFILE_FIELDS;
export const PROFILE_KINDS = Object.keys(PROFILE_FIELDS) as ProfileKind[];
export function setProfile(n: NodeState, kind: ProfileKind, body: string): void {
  const p = JSON.parse(body) as NodeProfile<unknown>;
  if (!(typeof p.start === 'number' && typeof p.end === 'number' && Array.isArray(p.functions))) return;
  if (p.samples === null) p.samples = NaN; // JSON has no NaN
  Object.assign(n, { [PROFILE_FIELDS[kind]]: p });
}

/** The key of a node's profile of one kind in the written-profiles map. */
export function profileKey(service: string, instance: string, kind: string): string {
  return `${service}\0${instance}\0${kind}`;
}
