import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { rearm, warnOnce } from '../warn.js';

/**
 * Wraps the OTLP exporter so a down, slow or overloaded dashboard costs the host only a bounded buffer:
 * - at most one export in flight (the exporter's own queue would hold up to 30 bodies; the agent's data is
 *   cumulative, so the next collection supersedes a skipped one and nothing is lost);
 * - after a failure, attempts pause with exponential backoff and jitter (interval · 2^n, ≤ maxBackoffMs), on top of
 *   the exporter's own retries of 429/502/503/504 within one export (which honour Retry-After);
 * - one warning per outage (PERF_AGENT_EXPORT_FAILED), not one per attempt, and one more when its cause changes (a
 *   dashboard that was down comes up wanting a token the agent does not send: only the refusal was reported, and
 *   the 401s that followed never; outside audit).
 */
export class GuardedExporter implements PushMetricExporter {
  private inFlight = false;
  private failures = 0;
  private nextAttemptAt = 0;
  /** what the last warning was about: 'token' (401/403), 'HTTP <status>', or 'network' */
  private warnedCause: string | undefined;
  /** exports attempted / skipped (in flight or backing off) / failed: for tests and self-diagnosis */
  readonly stats = { attempted: 0, skipped: 0, failed: 0, succeeded: 0 };

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly intervalMs: number,
    private readonly endpoint: string,
    private readonly maxBackoffMs = 30_000,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const t = Date.now();
    if (this.inFlight || t < this.nextAttemptAt) {
      this.stats.skipped++;
      resultCallback({ code: ExportResultCode.FAILED, error: new Error(this.inFlight ? 'perf agent: previous export still in flight' : 'perf agent: backing off after failed exports') });
      return;
    }
    this.inFlight = true;
    this.stats.attempted++;
    let done = false;
    const finish = (result: ExportResult) => {
      if (done) return;
      done = true;
      this.inFlight = false;
      if (result.code === ExportResultCode.SUCCESS) this.succeeded();
      else this.failed(result.error);
      resultCallback(result);
    };
    try {
      this.inner.export(metrics, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private succeeded(): void {
    this.stats.succeeded++;
    if (this.failures > 0) rearm('PERF_AGENT_EXPORT_FAILED');
    this.warnedCause = undefined;
    this.failures = 0;
    this.nextAttemptAt = 0;
  }

  private failed(error: Error | undefined): void {
    this.stats.failed++;
    this.failures++;
    const backoff = Math.min(this.maxBackoffMs, this.intervalMs * 2 ** Math.min(this.failures - 1, 16));
    this.nextAttemptAt = Date.now() + backoff * (0.8 + Math.random() * 0.4);
    const status = (error as { code?: unknown } | undefined)?.code;
    const cause = status === 401 || status === 403 ? 'token' : typeof status === 'number' ? `HTTP ${status}` : 'network';
    if (cause !== this.warnedCause) {
      if (this.warnedCause !== undefined) rearm('PERF_AGENT_EXPORT_FAILED');
      this.warnedCause = cause;
    }
    const hint =
      status === 401 || status === 403
        ? 'the dashboard wants an ingest token (PERF_INGEST_TOKEN): set OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>.'
        : 'check that the dashboard is running and OTEL_EXPORTER_OTLP_ENDPOINT points to it.';
    warnOnce(
      'PERF_AGENT_EXPORT_FAILED',
      `perf agent: exporting metrics to ${this.endpoint} failed (${error?.message ?? 'unknown error'}). The agent keeps counting and retries with backoff; ${hint}`,
    );
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
