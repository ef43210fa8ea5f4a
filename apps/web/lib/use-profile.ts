// A node's last profile for the node page's panels (hot code, heap growth, allocations): polled every 5 s, since a new one
// arrives at most every few tens of seconds; paused means frozen, like the charts.
import { useMemo, useRef } from 'react';
import type { CpuProfile, HeapProfile } from '../server/api/types.js';
import { useApi, useNow } from './hooks.js';
import { latestProfile } from './mappers/profile.js';
import type { ViewState } from './url-state.js';

const POLL_MS = 5000;

export interface ProfileQuery<P> {
  /** the newest profile of the node, null while none (or none yet) */
  profile: P | null;
  error: Error | null;
  loading: boolean;
}

/** Where each kind of profile is served: CPU profiles, heap profiles (what stays held), allocation profiles (all allocated). */
export type ProfilePath = 'profiles' | 'heap-profiles' | 'allocation-profiles';

/** The newest profile of `instance` from `GET /api/v1/profiles`, `/heap-profiles` or `/allocation-profiles`. */
export function useLatestProfile<P extends CpuProfile | HeapProfile>(path: ProfilePath, instance: string, view: ViewState): ProfileQuery<P> {
  const poll = useNow(POLL_MS);
  // the poll clock stops feeding the query while the page is paused
  const frozen = useRef(poll);
  if (!view.paused) frozen.current = poll;
  const params = useMemo(() => ({ instance }), [instance]);
  const q = useApi<P[]>(path, params, frozen.current);
  return { profile: latestProfile(q.data), error: q.error, loading: q.loading };
}
