'use client';
// The node's last profile from V8's sampling heap profiler, as a table of allocation sites, the most bytes first,
// each with where it is and which of the app's own functions called it. Two kinds share it:
// - heap growth: a heap profile, taken only while the heap keeps growing, counts what was allocated and still
//   held at its end (what the growth is made of);
// - allocations: an allocation profile, taken only while garbage collection takes a large share of the time,
//   counts everything allocated, collected since or not (who makes the garbage).
import { memo, useMemo } from 'react';
import type { HeapProfile, HeapSite } from '../server/api/types.js';
import { formatAgo, formatBytes, formatDuration, formatExact, formatInteger } from '../lib/format.js';
import { formatClock, formatDateTime } from '../lib/format-time.js';
import { heapTable, isCode, profileSeconds } from '../lib/mappers/profile.js';
import { useLatestProfile } from '../lib/use-profile.js';
import type { ViewState } from '../lib/url-state.js';
import { CallerCell, ProfilePanel, ShareCell, WhereCell } from './profile-panel.js';

/** What differs between the kinds of heap-shaped profile: where it is served, and every text of its panel. */
export interface HeapProfileKind {
  /** the section's element id (a finding's profile links to `#id`) and the prefix of every `data-testid` */
  id: string;
  path: 'heap-profiles' | 'allocation-profiles';
  title: string;
  /** "Heap profiles", for "… cannot be read" */
  what: string;
  /** why there is none yet */
  empty: string;
  /** the description's start, before "taken 12 s ago" */
  lead: string;
  /** after the total bytes, to the end of the sentence */
  total: string;
  /** the bytes column: its header, and what a site's bytes are */
  bytesHeader: string;
  bytesTitle: string;
  /** what a site's share is of */
  shareTitle: string;
}

export const HEAP_GROWTH: HeapProfileKind = {
  // a leak finding's heap profile links here (`#heap-growth`)
  id: 'heap-growth',
  path: 'heap-profiles',
  title: 'Heap growth, by allocation site',
  what: 'Heap profiles',
  empty: "No heap profile yet. The agent takes one (for about 10 s) when this node's heap keeps growing, to show which code allocates what stays held.",
  lead: 'What the heap grew by: a heap allocation profile',
  total: 'allocated during it and still held at its end (V8 estimates it from sampled allocations).',
  bytesHeader: 'Held',
  bytesTitle: 'Estimated bytes allocated here during the profile and still held at its end',
  shareTitle: "Share of the profile's live bytes allocated at this site",
};

export const ALLOCATIONS: HeapProfileKind = {
  // a gc-pressure finding's allocation profile links here (`#allocations`)
  id: 'allocations',
  path: 'allocation-profiles',
  title: 'Allocations, by site',
  what: 'Allocation profiles',
  empty:
    "No allocation profile yet. The agent takes one (for about 3 s) when garbage collection takes 10% or more of this node's time, to show which code allocates the most.",
  lead: 'Who makes the garbage: an allocation profile',
  total: 'allocated during it, collected since or not (V8 estimates it from sampled allocations).',
  bytesHeader: 'Allocated',
  bytesTitle: 'Estimated bytes allocated here during the profile, garbage included',
  shareTitle: 'Share of all the bytes allocated during the profile',
};

export interface HeapProfilePanelProps {
  instance: string;
  view: ViewState;
  /** Date.now() of the page's clock (for "taken 12 s ago") */
  now: number;
}

/** The node's last profile of one kind (`HEAP_GROWTH`, `ALLOCATIONS`). */
export function HeapProfilePanel({ kind, instance, view, now }: HeapProfilePanelProps & { kind: HeapProfileKind }) {
  const q = useLatestProfile<HeapProfile>(kind.path, instance, view);
  return (
    <ProfilePanel id={kind.id} title={kind.title} query={q} what={kind.what} empty={kind.empty}>
      {(p) => <HeapProfileView kind={kind} profile={p} now={now} />}
    </ProfilePanel>
  );
}

/** What the heap grew by: the last heap profile. */
export function HeapGrowth(props: HeapProfilePanelProps) {
  return <HeapProfilePanel kind={HEAP_GROWTH} {...props} />;
}

/** Who makes the garbage: the last allocation profile. */
export function Allocations(props: HeapProfilePanelProps) {
  return <HeapProfilePanel kind={ALLOCATIONS} {...props} />;
}

function HeapProfileView({ kind, profile: p, now }: { kind: HeapProfileKind; profile: HeapProfile; now: number }) {
  const table = useMemo(() => heapTable(p), [p]);
  const id = kind.id;
  return (
    <>
      <p className="muted" data-testid={`${id}-meta`} style={{ margin: '0 0 8px', fontSize: 12 }}>
        {kind.lead} taken{' '}
        <span title={formatDateTime(p.end)}>
          {formatAgo(now - p.end)} ({formatClock(p.start)}–{formatClock(p.end)})
        </span>
        , {formatDuration(profileSeconds(p))} long, {formatInteger(p.samples)} samples:{' '}
        <strong data-testid={`${id}-total`} data-value={p.bytes} title={formatExact('bytes', p.bytes)}>
          {formatBytes(p.bytes)}
        </strong>{' '}
        {kind.total}
      </p>
      <div className="table-wrap">
        <table data-testid={`${id}-table`}>
          <thead>
            <tr>
              <th className="num" title={kind.shareTitle}>
                Share
              </th>
              <th className="num" title={kind.bytesTitle}>
                {kind.bytesHeader}
              </th>
              <th>Function</th>
              <th>Where</th>
              <th title="The nearest caller in the app's own code (not node:, not node_modules)">Called from</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((f) => (
              <SiteTr key={`${f.name}|${f.file}|${f.line}|${f.column}`} f={f} id={id} />
            ))}
            {table.other.bytes > 0 ? (
              // the unlisted remainder: muted, at the bottom, so the column adds up to 100 %
              <tr data-testid={`${id}-rest`} data-function="(other)" className="muted">
                <ShareCell share={table.other.share} muted />
                <BytesCell bytes={table.other.bytes} id={id} />
                <td style={{ fontStyle: 'italic' }}>(other)</td>
                <td colSpan={2}>allocation sites past the agent&apos;s top list</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </>
  );
}

function BytesCell({ bytes, id }: { bytes: number; id: string }) {
  return (
    <td className="num" data-testid={`${id}-bytes`} data-value={bytes} title={formatExact('bytes', bytes)}>
      {formatBytes(bytes)}
    </td>
  );
}

const SiteTr = memo(function SiteTr({ f, id }: { f: HeapSite; id: string }) {
  const code = isCode(f);
  return (
    <tr data-testid={`${id}-row`} data-function={f.name}>
      <ShareCell share={f.share} muted={!code} />
      <BytesCell bytes={f.bytes} id={id} />
      <td className={code ? 'mono' : 'muted'} style={code ? undefined : { fontStyle: 'italic' }}>
        {f.name}
      </td>
      <WhereCell f={f} />
      <CallerCell caller={f.caller} testId={`${id}-caller`} />
    </tr>
  );
});
