// The exporter guard's warnings: one per outage, and one more when its cause changes (a dashboard that was down came
// up wanting an ingest token the agent does not send: the 401s that followed the refusal were never reported).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { GuardedExporter } from '../../src/export/GuardedExporter.js';

function failing(outcomes: (Error | 'ok')[]): PushMetricExporter {
  return {
    export(_m: ResourceMetrics, cb: (r: ExportResult) => void) {
      const next = outcomes.shift() ?? 'ok';
      cb(next === 'ok' ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: next });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

const httpError = (status: number) => Object.assign(new Error(`Unauthorized`), { code: status });

test('one warning per outage and cause: refused, then a token wanted, then (after a recovery) refused again', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => {
    if (w.code === 'PERF_AGENT_EXPORT_FAILED') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' });
    const g = new GuardedExporter(failing([refused, refused, httpError(401), httpError(401), 'ok', refused]), 1, 'http://127.0.0.1:4318/v1/metrics', 0);
    for (let i = 0; i < 6; i++) g.export({} as ResourceMetrics, () => {});
    await new Promise((r) => setImmediate(r));
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.match(warnings[0], /ECONNREFUSED.*check that the dashboard is running/);
    assert.match(warnings[1], /PERF_INGEST_TOKEN/);
    assert.match(warnings[2], /ECONNREFUSED/);
  } finally {
    process.off('warning', onWarning);
  }
});
