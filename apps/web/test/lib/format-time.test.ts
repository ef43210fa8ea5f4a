import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClock, formatDateTime, formatDayClock } from '../../lib/format-time.js';

// local times, as the UI shows them
const morning = new Date(2026, 10, 27, 5, 6, 8).getTime();
const evening = new Date(2026, 0, 4, 17, 36, 42).getTime();

test('clock times are 24-hour HH:MM:SS (or HH:MM), never "5:06:08 AM"', () => {
  assert.equal(formatClock(morning), '05:06:08');
  assert.equal(formatClock(evening), '17:36:42');
  assert.equal(formatClock(evening, false), '17:36');
});

test('a date is year-month-day before the same clock, never "11/27/2026, 5:06:08 AM"', () => {
  assert.equal(formatDateTime(morning), '2026-11-27 05:06:08');
  assert.equal(formatDateTime(evening), '2026-01-04 17:36:42');
});

test('a multi-day axis label is the weekday and HH:MM', () => {
  assert.equal(formatDayClock(morning), 'Fri 05:06');
  assert.equal(formatDayClock(evening), 'Sun 17:36');
});
