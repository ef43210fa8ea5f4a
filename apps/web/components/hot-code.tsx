'use client';
// The node's last CPU profile: which functions its event-loop thread ran while the loop was busy or stalled
// (the agent profiles only then), worst first, each with where it is and which of the app's own functions
// called it.
import { memo, useMemo } from 'react';
import type { CpuProfile, ProfileFunction } from '../server/api/types.js';
import { formatAgo, formatDuration, formatInteger, formatPercent } from '../lib/format.js';
import { formatClock, formatDateTime } from '../lib/format-time.js';
import { isCode, profileSeconds, profileTable } from '../lib/mappers/profile.js';
import { useLatestProfile } from '../lib/use-profile.js';
import type { ViewState } from '../lib/url-state.js';
import { CallerCell, ProfilePanel, ShareCell, WhereCell } from './profile-panel.js';

export const HOT_CODE_EMPTY =
  "No CPU profile yet. The agent takes one when this node's event loop is busy (≥ 70% utilised) or stalls for 50 ms or more.";

/** What V8's own buckets stand for (shown as the name's tooltip). */
const BUCKETS: Record<string, string> = {
  '(garbage collector)': "V8's garbage collector",
  '(program)': 'V8 and native work outside JavaScript (compiling, the runtime, native add-ons)',
  '(idle)': 'the thread waited for events',
  '(other)': "every function past the agent's top list",
};

export interface HotCodeProps {
  instance: string;
  view: ViewState;
  /** Date.now() of the page's clock (for "taken 12 s ago") */
  now: number;
}

export function HotCode({ instance, view, now }: HotCodeProps) {
  const q = useLatestProfile<CpuProfile>('profiles', instance, view);
  return (
    // id: a finding's profile links here (`#hot-code`)
    <ProfilePanel id="hot-code" title="Hot code" query={q} what="CPU profiles" empty={HOT_CODE_EMPTY}>
      {(p) => <ProfileView profile={p} now={now} />}
    </ProfilePanel>
  );
}

function ProfileView({ profile: p, now }: { profile: CpuProfile; now: number }) {
  const table = useMemo(() => profileTable(p), [p]);
  return (
    <>
      <p className="muted" data-testid="hot-code-meta" style={{ margin: '0 0 8px', fontSize: 12 }}>
        What the event-loop thread ran: a CPU profile taken{' '}
        <span title={formatDateTime(p.end)}>
          {formatAgo(now - p.end)} ({formatClock(p.start)}–{formatClock(p.end)})
        </span>
        , {formatDuration(profileSeconds(p))} long, {formatInteger(p.samples)} samples, busy {formatPercent(p.busy)}. Self time: the share of
        samples with the function on top of the stack.
      </p>
      <div className="table-wrap">
        <table data-testid="hot-code-table">
          <thead>
            <tr>
              <th className="num" title="Share of the profile's samples with this function on top of the stack">
                Self time
              </th>
              <th>Function</th>
              <th>Where</th>
              <th title="The nearest caller in the app's own code (not node:, not node_modules)">Called from</th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((f) => (
              <FunctionTr key={`${f.name}|${f.file}|${f.line}|${f.column}`} f={f} />
            ))}
            <RestTr name="(other)" share={table.other} />
            <RestTr name="(idle)" share={table.idle} />
          </tbody>
        </table>
      </div>
    </>
  );
}

const FunctionTr = memo(function FunctionTr({ f }: { f: ProfileFunction }) {
  const code = isCode(f);
  return (
    <tr data-testid="hot-code-row" data-function={f.name}>
      <ShareCell share={f.share} muted={!code} />
      <td className={code ? 'mono' : 'muted'} title={code ? undefined : BUCKETS[f.name]} style={code ? undefined : { fontStyle: 'italic' }}>
        {f.name}
      </td>
      <WhereCell f={f} />
      <CallerCell caller={f.caller} testId="hot-code-caller" />
    </tr>
  );
});

/** The idle and unlisted remainder: muted, at the bottom, so the column adds up to 100 %. */
function RestTr({ name, share }: { name: string; share: number }) {
  if (!(share > 0)) return null;
  return (
    <tr data-testid="hot-code-rest" data-function={name} className="muted">
      <ShareCell share={share} muted />
      <td style={{ fontStyle: 'italic' }} title={BUCKETS[name]}>
        {name}
      </td>
      <td colSpan={2}>{name === '(idle)' ? 'waiting for events' : "functions past the agent's top list"}</td>
    </tr>
  );
}
