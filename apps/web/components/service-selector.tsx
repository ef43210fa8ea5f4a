'use client';
// Several services in one fleet: pick one, or all of them. The list comes from the live stream; a service
// named in the URL stays selectable even before it reports (a shared link to a quiet service).
import type { Services } from '../server/api/types.js';
import type { ViewState } from '../lib/url-state.js';

export function ServiceSelector({
  view,
  setView,
  services,
}: {
  view: ViewState;
  setView: (p: Partial<ViewState>) => void;
  services: Services | null;
}) {
  const names = (services ?? []).map((s) => s.name).sort();
  if (view.service && !names.includes(view.service)) names.unshift(view.service);
  return (
    <label>
      <span className="sr-only">Service</span>
      <select
        data-testid="service-select"
        aria-label="Service"
        value={view.service ?? ''}
        onChange={(e) => setView({ service: e.target.value || null })}
      >
        <option value="">All services</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
