// Every time the UI shows, in one form: 24-hour clock times ("14:05:07") on axes, in tooltips and in text, and
// an ISO-like date ("2026-11-27 14:05:07") where the day matters (a node last seen, a profile taken). The
// browser's locale forms ("5:36:08 AM", "11/27/2026") are not used: beside the axes' 24-hour times they read
// as two clocks, and a month/day order is ambiguous (outside audit). Local time, as the axes have always been.

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Clock time: "14:05:07", or "14:05" without seconds (axes of ranges with steps of a minute or more). */
export function formatClock(ms: number, withSeconds = true): string {
  const d = new Date(ms);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/** Date and time: "2026-11-27 14:05:07" (tooltips and titles, where the day matters). */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(ms)}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Axis label for a range that spans days: "Mon 14:05". */
export function formatDayClock(ms: number): string {
  return `${WEEKDAYS[new Date(ms).getDay()]} ${formatClock(ms, false)}`;
}
