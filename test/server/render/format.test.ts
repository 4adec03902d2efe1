import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatConfidence, formatCount, formatDuration, formatMetricValue, formatOffset, formatPercent, formatUtc, formatUtcTime } from '../../../server/render/index.js';

test('formatters', async (t) => {
  const rows: [string, string, string][] = [
    ['utc from ISO with offset', formatUtc('2026-01-24T10:02:19+01:00'), '2026-01-24 09:02:19 UTC'],
    ['utc from ms', formatUtc(Date.UTC(2026, 0, 24, 9, 2, 19)), '2026-01-24 09:02:19 UTC'],
    ['utc invalid', formatUtc('yesterday'), '—'],
    ['utc absent', formatUtc(null), '—'],
    ['time only', formatUtcTime('2026-01-24T09:02:19.563Z'), '09:02:19'],
    ['ms', formatDuration(850), '850 ms'],
    ['seconds with a decimal', formatDuration(1200), '1.2 s'],
    ['whole seconds', formatDuration(12_400), '12 s'],
    ['minutes', formatDuration(92_000), '1 min 32 s'],
    ['hours', formatDuration(3_780_000), '1 h 03 min'],
    ['negative duration', formatDuration(-1), '—'],
    ['percent', formatPercent(0.912), '91 %'],
    ['small percent', formatPercent(0.053), '5.3 %'],
    ['confidence', formatConfidence(0.91), '91 % (high)'],
    ['confidence low', formatConfidence(0.09), '9 % (low)'],
    ['offset', formatOffset(-1200), '-1.2 s'],
    ['zero offset', formatOffset(0), '0 ms'],
    ['ratio value', formatMetricValue(0.98, 'ratio'), '98 %'],
    ['seconds value', formatMetricValue(0.01, 's'), '10 ms'],
    ['missing value', formatMetricValue(null, 's'), '—'],
  ];
  for (const [name, actual, expected] of rows) await t.test(name, () => assert.equal(actual, expected));
});

test('formatCount groups digits by hand exactly as en-US toLocaleString does', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.double({ noNaN: true, min: -1e17, max: 1e17 }), fc.constantFrom(0, -0, 999, 1000, 2 ** 53 - 1, 2 ** 53 + 2)), (n) => {
      assert.equal(formatCount(n), Math.round(n).toLocaleString('en-US'));
    }),
    { numRuns: 2000, seed: 11 },
  );
  assert.equal(formatCount(Number.NaN), '—');
  assert.equal(formatCount(undefined), '—');
});
