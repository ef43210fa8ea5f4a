/** Ingest counters for /api/v1/status (totals since start plus a 10 s rate window). */
export class IngestStats {
  requests = 0;
  points = 0;
  rejectedPoints = 0;
  readonly rejectedByReason: Record<string, number> = {};
  readonly refusedRequests: Record<string, number> = {};
  duplicatePoints = 0;
  outOfOrderPoints = 0;
  resets = 0;
  /** connections the OTLP server closed at once, being at its limit (PERF_INGEST_MAX_CONNECTIONS) */
  droppedConnections = 0;
  /** per-second [requests, points] for the last 10 s */
  private readonly window: { sec: number; requests: number; points: number }[] = [];

  countRequest(points: number, now = Date.now()): void {
    this.requests++;
    this.points += points;
    const sec = Math.floor(now / 1000);
    let last = this.window[this.window.length - 1];
    if (last === undefined || last.sec !== sec) {
      last = { sec, requests: 0, points: 0 };
      this.window.push(last);
      while (this.window.length > 11) this.window.shift();
    }
    last.requests++;
    last.points += points;
  }

  reject(reason: string, n = 1): void {
    this.rejectedPoints += n;
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + n;
  }

  refuse(status: number): void {
    const k = String(status);
    this.refusedRequests[k] = (this.refusedRequests[k] ?? 0) + 1;
  }

  /** [requests/s, points/s] over the last 10 full seconds */
  rates(now = Date.now()): [number, number] {
    const sec = Math.floor(now / 1000);
    let r = 0;
    let p = 0;
    for (const w of this.window) {
      if (w.sec >= sec - 10 && w.sec < sec) {
        r += w.requests;
        p += w.points;
      }
    }
    return [r / 10, p / 10];
  }
}
