import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIsoTimestampAt, parseIsoTimestampMs, parseZoneName, yearNearWindow } from '../../../../server/sources/files/civil-time.js';
import { utc } from './helpers.js';

test('parseIsoTimestampMs: RFC 3339 layouts, rounded to ms, invalid input undefined', () => {
  const rows: [string, number | undefined, string][] = [
    ['2026-11-28T02:34:54.123456Z', utc('2026-11-28T02:34:54.123Z'), 'audit: microseconds round down'],
    ['2026-11-28T02:34:54.1235Z', utc('2026-11-28T02:34:54.124Z'), 'half a ms rounds up'],
    ['2026-11-28T02:34:54.12345Z', utc('2026-11-28T02:34:54.123Z'), 'etcd 3.5 drops trailing zeros'],
    ['2026-11-28T02:34:54Z', utc('2026-11-28T02:34:54Z'), 'etcd 3.5 on a whole second: no fraction'],
    ['2026-11-28T02:34:54.999999999Z', utc('2026-11-28T02:34:55.000Z'), 'nanoseconds carry into the next second'],
    ['2026-11-28T02:34:54.606523368Z', utc('2026-11-28T02:34:54.607Z'), 'kubectl --timestamps nanoseconds'],
    ['2026-11-28T11:34:54+09:00', utc('2026-11-28T02:34:54Z'), 'offset with colon'],
    ['2026-11-28T02:34:54+0000', utc('2026-11-28T02:34:54Z'), 'offset without colon (iostat ISO)'],
    ['2026-11-27T21:34:54.5-05:00', utc('2026-11-28T02:34:54.500Z'), 'negative offset'],
    ['2026-02-29T00:00:00Z', undefined, '2026 is not a leap year'],
    ['2026-13-01T00:00:00Z', undefined, 'month 13'],
    ['2026-11-28T24:00:01Z', undefined, 'hour 24'],
    ['2026-11-28T02:34:54', undefined, 'no zone: not an instant'],
    ['2026-11-28T02:34:54.Z', undefined, 'empty fraction'],
    ['yesterday', undefined, 'not a timestamp'],
    ['', undefined, 'empty'],
  ];
  for (const [input, want, why] of rows) assert.equal(parseIsoTimestampMs(input), want, `${why}: ${input}`);
  // in place inside a line, after a timestamp of the same minute (the cached path) and of another
  for (const primer of ['2026-11-28T02:34:00.5Z', '2026-11-28T11:34:00Z', '1999-01-01T00:00:00Z']) {
    for (const [input, want, why] of rows) {
      parseIsoTimestampMs(primer);
      const line = `{"stageTimestamp":"${input}","x":1}`;
      assert.equal(parseIsoTimestampAt(line, 19, 19 + input.length), want, `${why} in place, after ${primer}: ${input}`);
    }
  }
});

test('yearNearWindow: the year that puts a month/day closest to the window, across New Year too', () => {
  const nov = { fromMs: utc('2026-11-28T02:00:00Z'), toMs: utc('2026-11-28T02:30:00Z') };
  const newYear = { fromMs: utc('2026-12-31T23:50:00Z'), toMs: utc('2027-01-01T00:20:00Z') };
  const rows: [number, number, { fromMs: number; toMs: number }, number, string][] = [
    [11, 28, nov, 2026, 'same day'],
    [1, 2, nov, 2027, 'early January is nearer next year'],
    [6, 1, nov, 2026, 'June is nearer this year'],
    [12, 31, newYear, 2026, 'before midnight of a window across New Year'],
    [1, 1, newYear, 2027, 'after midnight of a window across New Year'],
    [2, 29, nov, 2028, 'Feb 29 exists only in leap years'],
  ];
  for (const [mo, d, w, want, why] of rows) assert.equal(yearNearWindow(mo, d, 12, w), want, why);
});

test('parseZoneName: IANA names with DST, fixed offsets, unknown names', () => {
  const berlin = parseZoneName('Europe/Berlin');
  assert.ok(berlin);
  // wall clock read as UTC -> real UTC: 03:00 CET (winter, +01:00) is 02:00Z; 03:00 CEST (summer) is 01:00Z
  assert.equal(berlin.toUtcMs(utc('2026-11-28T03:00:00Z')), utc('2026-11-28T02:00:00Z'));
  assert.equal(berlin.toUtcMs(utc('2026-07-01T03:00:00Z')), utc('2026-07-01T01:00:00Z'));
  const plus2 = parseZoneName('UTC+02:00');
  assert.equal(plus2?.name, 'UTC+02:00');
  assert.equal(plus2?.toUtcMs(utc('2026-11-28T04:00:00Z')), utc('2026-11-28T02:00:00Z'));
  assert.equal(parseZoneName('UTC')?.name, 'UTC');
  assert.equal(parseZoneName('Mars/Olympus'), undefined);
});
