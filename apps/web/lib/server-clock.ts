// The dashboard server's clock as the browser sees it. "Last seen 5 s ago" compares a time the server recorded
// with now: with the browser's own clock, a browser N seconds behind showed "now" for N seconds after a node went
// silent (UI audit). Each live snapshot carries the server's time; the offset from it corrects the browser's.

let offsetMs = 0;

/** Notes the server's time as a snapshot reports it (called on each snapshot's arrival). */
export function noteServerTime(serverMs: unknown): void {
  if (typeof serverMs === 'number' && Number.isFinite(serverMs)) offsetMs = serverMs - Date.now();
}

/** Now on the server's clock (the browser's clock until a snapshot has said otherwise). */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
