'use client';
// Whether the page is live: a small indicator in the header, and a banner that nobody can miss when the
// connection to the dashboard server is lost (the stream reconnects by itself; the page keeps the last data).
import type { StreamState } from '../lib/stream.js';
import { formatClock } from '../lib/format-time.js';

/** The stream's state; `paused`: the view is frozen (Pause), so "Live" would be untrue while connected. */
export function ConnectionIndicator({ state, paused = false }: { state: StreamState; paused?: boolean }) {
  const { status } = state;
  const [cls, text] = status === 'open' ? (paused ? ['idle', 'Paused'] : ['ok', 'Live']) : status === 'lost' ? ['bad', 'Reconnecting…'] : ['warn', 'Connecting…'];
  return (
    <span className="conn" data-testid="connection-status" data-status={status} role="status" aria-live="polite">
      <span className={`dot ${cls}`} aria-hidden="true" />
      {text}
    </span>
  );
}

export function ConnectionBanner({ state }: { state: StreamState }) {
  if (state.status !== 'lost') return null;
  return (
    <div className="banner bad" role="alert" data-testid="connection-lost">
      <strong>Connection to the dashboard server lost</strong>
      {state.lostSince ? ` at ${formatClock(state.lostSince)}` : ''}. Reconnecting automatically; the page shows the
      last data received.
    </div>
  );
}
