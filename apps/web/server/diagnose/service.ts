// The live diagnosis: evaluates the rules once a second over the store's recent windows and keeps the
// findings for the API, the stream and the alert engine.

import type { FleetStore } from '../store/FleetStore.js';
import { DiagnosisAdapter, type AdapterOptions } from './adapter.js';
import { Diagnoser, type DiagnoserOptions, type ServiceFinding } from './diagnoser.js';

export interface DiagnosisServiceOptions extends DiagnoserOptions, Partial<AdapterOptions> {
  /** evaluation period (ms, default 1000) */
  intervalMs?: number;
}

export class DiagnosisService {
  readonly diagnoser: Diagnoser;
  readonly adapter: DiagnosisAdapter;
  readonly intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** duration of the last evaluation (ms), for /api/v1/status and the fleet-scale benchmark */
  lastEvaluationMs = 0;
  evaluations = 0;
  readonly #listeners = new Set<(findings: readonly ServiceFinding[]) => void>();

  constructor(store: FleetStore, options: DiagnosisServiceOptions = {}) {
    this.diagnoser = new Diagnoser(options);
    this.adapter = new DiagnosisAdapter(store, options);
    this.intervalMs = options.intervalMs ?? 1000;
  }

  /** Starts evaluating every `intervalMs` (the timer does not keep the process alive). */
  start(): this {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.evaluate(), this.intervalMs);
      this.#timer.unref();
    }
    return this;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One evaluation now; returns the live findings of every service. */
  evaluate(now = Date.now()): readonly ServiceFinding[] {
    const t0 = performance.now();
    const findings = this.diagnoser.evaluate(this.adapter.build(now), now);
    this.lastEvaluationMs = performance.now() - t0;
    this.evaluations++;
    for (const l of this.#listeners) {
      try {
        l(findings);
      } catch {
        // a listener's failure is its own; the diagnosis goes on
      }
    }
    return findings;
  }

  /** The live findings (of one service when given). */
  findings(service?: string | null): readonly ServiceFinding[] {
    return this.diagnoser.findings(service);
  }

  /** Called after every evaluation (the alert engine's `finding` rules, the live stream). */
  onEvaluate(listener: (findings: readonly ServiceFinding[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
