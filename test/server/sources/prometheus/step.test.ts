import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRateFunction, chooseStepMs, formatPromDuration, rateRangeMs, sampleLagMs, splitRange } from '../../../../server/sources/prometheus/index.js';

const H = 3_600_000;
const w = (spanMs: number) => ({ fromMs: 1_700_000_000_000, toMs: 1_700_000_000_000 + spanMs });

test('chooseStepMs: the scrape interval for short windows, nice steps keeping <= 720 points', () => {
  const rows: [number, number][] = [
    [30 * 60_000, 15_000], // the bundles: one point per scrape
    [3 * H, 15_000], // 720 points exactly
    [6 * H, 30_000],
    [24 * H, 120_000],
    [7 * 24 * H, 900_000],
  ];
  for (const [span, step] of rows) assert.equal(chooseStepMs(w(span), 15_000), step, `${span / H} h`);
  assert.equal(chooseStepMs(w(60_000), 60_000), 60_000, 'never finer than the scrape interval');
});

test('rateRangeMs: at least 4 scrapes and at least the step', () => {
  assert.equal(rateRangeMs(15_000, 15_000), 60_000);
  assert.equal(rateRangeMs(120_000, 15_000), 120_000);
  assert.equal(rateRangeMs(15_000, 30_000), 120_000);
});

test('chooseRateFunction: irate while every evaluation reads a new sample, rate over the step beyond', () => {
  assert.equal(chooseRateFunction(15_000, 15_000), 'irate', 'the file source derives irate from consecutive samples');
  assert.equal(chooseRateFunction(5_000, 15_000), 'irate');
  assert.equal(chooseRateFunction(30_000, 15_000), 'rate', 'irate would skip every other sample');
  assert.equal(sampleLagMs(15_000), 7_500);
});

test('formatPromDuration picks the largest exact unit', () => {
  assert.deepEqual([60_000, 90_000, 7_200_000, 86_400_000, 1500].map(formatPromDuration), ['1m', '90s', '2h', '1d', '1500ms']);
});

test('splitRange: aligned to the step, inside [from, to), no overlap, no gap', () => {
  const from = Date.UTC(2026, 4, 9, 22, 14, 42);
  const r = splitRange({ fromMs: from, toMs: from + 30 * 60_000 }, 15_000, 10 * 60_000);
  assert.equal(r.length, 3);
  assert.equal(r[0]!.startMs, Date.UTC(2026, 4, 9, 22, 14, 45), 'first multiple of the step after from');
  for (let i = 1; i < r.length; i++) assert.equal(r[i]!.startMs, r[i - 1]!.endMs + 15_000);
  assert.ok(r.at(-1)!.endMs < from + 30 * 60_000);
  assert.equal(r.reduce((n, x) => n + (x.endMs - x.startMs) / 15_000 + 1, 0), 120);
  assert.equal(splitRange({ fromMs: 0, toMs: 1000 * 15_000 * 3 }, 15_000, 100 * 24 * H).length, 3, 'at most 1000 points per query');
  assert.deepEqual(splitRange({ fromMs: 1, toMs: 2 }, 15_000, H), [], 'no grid point inside');
});
