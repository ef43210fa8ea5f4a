'use client';
// The node's last heap allocation profile: which functions allocated the objects that were still held when it
// ended (the agent takes one only while the heap keeps growing, so this is what the growth is made of), the
// most bytes first, each with where it is and which of the app's own functions called it.
import { memo, useMemo } from 'react';
import type { HeapProfile, HeapSite } from '../server/api/types.js';
import { formatAgo, formatBytes, formatClock, formatDuration, formatExact, formatInteger } from '../lib/format.js';
import { heapTable, isCode, profileSeconds } from '../lib/mappers/profile.js';
import { useLatestProfile } from '../lib/use-profile.js';
import type { ViewState } from '../lib/url-state.js';
import { CallerCell, ProfilePanel, ShareCell, WhereCell } from './profile-panel.js';

export const HEAP_GROWTH_EMPTY =
  "No heap profile yet. The agent takes one (for about 10 s) when this node's heap keeps growing, to show which code allocates what stays held.";

export interface HeapGrowthProps {
  instance: string;
  view: ViewState;
  /** Date.now() of the page's clock (for "taken 12 s ago") */
  now: number;
}

export function HeapGrowth({ instance, view, now }: HeapGrowthProps) {
  const q = useLatestProfile<HeapProfile>('heap-profiles', instance, view);
  return (
    // id: a leak finding's heap profile links here (`#heap-growth`)
    <ProfilePanel id="heap-growth" title="Heap growth, by allocation site" query={q} what="Heap profiles" empty={HEAP_GROWTH_EMPTY}>
      {(p) => <HeapProfileView profile={p} now={now} />}
    </ProfilePanel>
  );
}

function HeapProfileView({ profile: p, now }: { profile: HeapProfile; now: number }) {
  const table = useMemo(() => heapTable(p), [p]);
  return (
    <>
      <p className="muted" data-testid="heap-growth-meta" style={{ margin: '0 0 8px', fontSize: 12 }}>
        What the heap grew by: a heap allocation profile taken{' '}
        <span title={new Date(p.end).toLocaleString()}>
          {formatAgo(now - p.end)} ({formatClock(p.start)}–{formatClock(p.end)})
        </span>
        , {formatDuration(profileSeconds(p))} long, {formatInteger(p.samples)} samples:{' '}
        <strong data-testid="heap-growth-total" data-value={p.bytes} title={formatExact('bytes', p.bytes)}>
          {formatBytes(p.bytes)}
        </strong>{' '}
        allocated during it and still held at its end (V8 estimates it from sampled allocations).
      </p>
      <div className="table-wrap">
        <table data-testid="heap-growth-table">
          <thead>
            <tr>
              <th className="num" title="Share of the profile's live bytes allocated at this site">
                Share
              </th>
              <th className="num" title="Estimated bytes allocated here during the profile and still held at its end">
                Held
              </th>
              <th>Function</th>
              <th>Where</th>
              <th title="The nearest caller in the app's own code (not node:, not node_modules)">Called from</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((f) => (
              <SiteTr key={`${f.name}|${f.file}|${f.line}|${f.column}`} f={f} />
            ))}
            {table.other.bytes > 0 ? (
              // the unlisted remainder: muted, at the bottom, so the column adds up to 100 %
              <tr data-testid="heap-growth-rest" data-function="(other)" className="muted">
                <ShareCell share={table.other.share} muted />
                <BytesCell bytes={table.other.bytes} />
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

function BytesCell({ bytes }: { bytes: number }) {
  return (
    <td className="num" data-testid="heap-growth-bytes" data-value={bytes} title={formatExact('bytes', bytes)}>
      {formatBytes(bytes)}
    </td>
  );
}

const SiteTr = memo(function SiteTr({ f }: { f: HeapSite }) {
  const code = isCode(f);
  return (
    <tr data-testid="heap-growth-row" data-function={f.name}>
      <ShareCell share={f.share} muted={!code} />
      <BytesCell bytes={f.bytes} />
      <td className={code ? 'mono' : 'muted'} style={code ? undefined : { fontStyle: 'italic' }}>
        {f.name}
      </td>
      <WhereCell f={f} />
      <CallerCell caller={f.caller} testId="heap-growth-caller" />
    </tr>
  );
});
