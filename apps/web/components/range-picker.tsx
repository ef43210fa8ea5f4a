'use client';
// Time range (live 5/15 min from the stream, 1 h … 7 d from the rollup tiers) and pause/resume of live updates.
import { RANGES, RANGE_SPECS, type RangeKey, type ViewState } from '../lib/url-state.js';
import { rangeFits, useLongestRetention } from '../lib/retention.js';

export function RangePicker({ view, setView }: { view: ViewState; setView: (p: Partial<ViewState>) => void }) {
  const live = RANGE_SPECS[view.range].live;
  const retention = useLongestRetention();
  return (
    <>
      <label>
        <span className="sr-only">Time range</span>
        <select
          data-testid="range-select"
          aria-label="Time range"
          value={view.range}
          onChange={(e) => setView({ range: e.target.value as RangeKey, paused: false })}
        >
          {RANGES.map((r) => (
            <option key={r} value={r} disabled={!rangeFits(r, retention)} title={rangeFits(r, retention) ? undefined : 'longer than this dashboard keeps data (PERF_TIERS)'}>
              {RANGE_SPECS[r].label}
            </option>
          ))}
        </select>
      </label>
      {live ? (
        <button
          type="button"
          data-testid="pause-toggle"
          aria-pressed={view.paused}
          onClick={() => setView({ paused: !view.paused })}
          title={view.paused ? 'Resume live updates' : 'Pause live updates (the view stays as it is)'}
        >
          {view.paused ? '▶ Resume' : '❚❚ Pause'}
        </button>
      ) : null}
    </>
  );
}
