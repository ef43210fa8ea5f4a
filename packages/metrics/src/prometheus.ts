// OpenTelemetry → Prometheus names, as OpenTelemetry's Prometheus exporter forms them: the agent serves its
// `/metrics` under these names and the dashboard's Prometheus mode (PERF_PROMETHEUS_URL) reads them back by them.

/**
 * The Prometheus name of a metric: characters outside `[a-zA-Z0-9_:]` become `_`, then the unit's suffix
 * (`_seconds` for s, `_bytes` for By, `_ratio` for a unit-less gauge) and `_total` for a counter.
 */
export function prometheusName(name: string, unit: string, counter: boolean): string {
  let n = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  const suffix = unit === 's' ? 'seconds' : unit === 'By' ? 'bytes' : unit === '1' && !counter ? 'ratio' : '';
  if (suffix && !n.endsWith(`_${suffix}`)) n += `_${suffix}`;
  if (counter && !n.endsWith('_total')) n += '_total';
  return n;
}

/** The Prometheus label of an attribute: characters outside `[a-zA-Z0-9_]` become `_`. */
export function prometheusLabel(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, '_');
}
