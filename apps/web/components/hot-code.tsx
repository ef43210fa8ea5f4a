'use client';
// The node's last CPU profile: which functions its event-loop thread ran while the loop was busy or stalled
// (the agent profiles only then), worst first, each with where it is and which of the app's own functions
// called it. Polled every 5 s: a new profile arrives at most every few tens of seconds.
import { memo, useMemo, useRef } from 'react';
import type { CpuProfile, ProfileFunction } from '../server/api/types.js';
import { formatAgo, formatClock, formatDuration, formatExact, formatInteger, formatPercent } from '../lib/format.js';
import { useApi, useNow } from '../lib/hooks.js';
import { codeLocation, fullLocation, isCode, latestProfile, profileSeconds, profileTable } from '../lib/mappers/profile.js';
import type { ViewState } from '../lib/url-state.js';

export const HOT_CODE_EMPTY =
  "No CPU profile yet. The agent takes one when this node's event loop is busy (≥ 70% utilised) or stalls for 50 ms or more.";

/** What V8's own buckets stand for (shown as the name's tooltip). */
const BUCKETS: Record<string, string> = {
  '(garbage collector)': "V8's garbage collector",
  '(program)': 'V8 and native work outside JavaScript (compiling, the runtime, native add-ons)',
  '(idle)': 'the thread waited for events',
  '(other)': "every function past the agent's top list",
};

const POLL_MS = 5000;

export interface HotCodeProps {
  instance: string;
  view: ViewState;
  /** Date.now() of the page's clock (for "taken 12 s ago") */
  now: number;
}

export function HotCode({ instance, view, now }: HotCodeProps) {
  const poll = useNow(POLL_MS);
  // paused means frozen, like the charts: the poll clock stops feeding the query
  const frozen = useRef(poll);
  if (!view.paused) frozen.current = poll;
  const params = useMemo(() => ({ instance }), [instance]);
  const q = useApi<CpuProfile[]>('profiles', params, frozen.current);
  const profile = latestProfile(q.data);
  return (
    // id: a finding's profile links here (`#hot-code`); scroll-margin keeps it clear of the sticky top bar
    <section id="hot-code" className="panel" aria-labelledby="hot-code-title" data-testid="hot-code" style={{ margin: '12px 0', scrollMarginTop: 72 }}>
      <h2 id="hot-code-title">Hot code</h2>
      {profile !== null ? (
        <ProfileView profile={profile} now={now} />
      ) : q.error !== null ? (
        <p className="muted" data-testid="hot-code-error">
          CPU profiles cannot be read: {q.error.message}
        </p>
      ) : q.loading ? (
        <p className="muted">Loading…</p>
      ) : (
        <p className="muted" data-testid="hot-code-empty">
          {HOT_CODE_EMPTY}
        </p>
      )}
    </section>
  );
}

function ProfileView({ profile: p, now }: { profile: CpuProfile; now: number }) {
  const table = useMemo(() => profileTable(p), [p]);
  return (
    <>
      <p className="muted" data-testid="hot-code-meta" style={{ margin: '0 0 8px', fontSize: 12 }}>
        What the event-loop thread ran: a CPU profile taken{' '}
        <span title={new Date(p.end).toLocaleString()}>
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

function ShareCell({ share, muted }: { share: number; muted?: boolean }) {
  return (
    <td className="num" title={formatExact('ratio', share)}>
      <span
        aria-hidden="true"
        style={{ display: 'inline-block', width: 80, height: 6, background: 'var(--panel-2)', marginRight: 6, verticalAlign: 'middle', borderRadius: 3 }}
      >
        <span style={{ display: 'block', width: `${Math.min(100, share * 100)}%`, height: 6, background: muted ? 'var(--muted)' : 'var(--c4)', borderRadius: 3 }} />
      </span>
      {formatPercent(share)}
    </td>
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
      <td className="mono" title={fullLocation(f.file, f.line, f.column) || undefined}>
        {codeLocation(f.file, f.line)}
      </td>
      <td className="mono" data-testid="hot-code-caller">
        {f.caller ? (
          <>
            {f.caller.name}{' '}
            <span className="muted" title={fullLocation(f.caller.file, f.caller.line)}>
              {codeLocation(f.caller.file, f.caller.line)}
            </span>
          </>
        ) : null}
      </td>
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
