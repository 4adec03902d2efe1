import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferZone, WallClockHistogram, zoneFromOption } from '../../../../server/sources/files/infer-zone.js';
import { utc, WINDOW } from './helpers.js';

/** Wall-clock times (read as UTC) every `stepS` seconds from `startIso` for `minutes`. */
function wallTimes(startIso: string, minutes: number, stepS = 20): WallClockHistogram {
  const h = new WallClockHistogram();
  const start = utc(startIso);
  for (let t = start; t < start + minutes * 60_000; t += stepS * 1000) h.add(t);
  return h;
}

test('inferZone: the offset that puts the wall-clock times in the window', () => {
  const rows: [WallClockHistogram, string, string, string][] = [
    [wallTimes('2026-11-28T02:00:00Z', 30), 'UTC', 'UTC: timestamps fit the analysis window', 'already UTC'],
    [wallTimes('2026-11-28T11:00:00Z', 30), 'UTC+09:00', 'inferred UTC+09:00: timestamps fit the analysis window', 'Tokyo'],
    [wallTimes('2026-11-27T21:00:00Z', 30), 'UTC-05:00', 'inferred UTC-05:00: timestamps fit the analysis window', 'New York, the day before'],
    [wallTimes('2026-11-28T07:30:00Z', 30), 'UTC+05:30', 'inferred UTC+05:30: timestamps fit the analysis window', 'India: a half-hour zone'],
    [wallTimes('2026-11-28T07:45:00Z', 30), 'UTC+05:45', 'inferred UTC+05:45: timestamps fit the analysis window', 'Nepal: a quarter-hour zone'],
    [wallTimes('2026-11-28T03:01:00Z', 30), 'UTC+01:00', 'inferred UTC+01:00: timestamps fit the analysis window', 'a minute of clock skew still fits'],
    [wallTimes('2026-11-28T03:10:00Z', 5, 60), 'UTC+01:00', 'inferred UTC+01:00: timestamps fit the analysis window', 'a few lines: whole hours win over :30 / :45 offsets that fit as well'],
    [wallTimes('2026-06-01T02:00:00Z', 30), 'UTC', 'assumed UTC: no UTC offset puts the timestamps inside the analysis window', 'months away: nothing fits'],
    [new WallClockHistogram(), 'UTC', 'assumed UTC: no timestamps to infer the zone from', 'empty file'],
  ];
  for (const [hist, zone, reason, why] of rows) {
    const z = inferZone(hist, WINDOW);
    assert.equal(z.zone.name, zone, why);
    assert.equal(z.reason, reason, why);
  }
});

test('zoneFromOption: --tz wins, an unknown name is explained', () => {
  const z = zoneFromOption('Asia/Tokyo');
  assert.ok('zone' in z);
  assert.equal(z.reason, 'given by --tz');
  assert.equal(z.zone.toUtcMs(utc('2026-11-28T11:00:00Z')), utc('2026-11-28T02:00:00Z'));
  assert.deepEqual(zoneFromOption('Nowhere/Land'), {
    error: 'unknown zone "Nowhere/Land" given by --tz (expected an IANA name such as Europe/Berlin, or UTC+02:00)',
  });
});
