// Episodes on series: both the absolute threshold and the factor over the window baseline must be crossed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectEpisodes, quantile, SERIES_RULES } from '../../../correlators/anomaly/index.js';
import type { Series } from '../../../correlators/signals/index.js';

const fsyncRule = SERIES_RULES.find((r) => r.metric === 'etcd_wal_fsync_p99_s')!;

/** A compact series: one value per 15 s scrape. */
function series(values: number[], host = 'cp-2'): Series {
  return { sourceId: 'metrics/m.om', metric: 'etcd_wal_fsync_p99_s', component: 'etcd', host, labels: {}, origin: 'p99', t: values.map((_, i) => i * 15_000), v: values };
}

const ROWS: { why: string; values: number[]; episodes: number; startIdx?: number }[] = [
  { why: 'healthy: 2-4 ms all along', values: [0.002, 0.003, 0.004, 0.002, 0.003, 0.002, 0.003, 0.002], episodes: 0 },
  { why: 'a jump to 0.8 s for four scrapes', values: [0.002, 0.003, 0.002, 0.8, 0.9, 0.7, 0.85, 0.003, 0.002, 0.002], episodes: 1, startIdx: 3 },
  { why: 'a cluster that always runs at 12 ms is not flagged for 14 ms (baseline factor)', values: [0.012, 0.013, 0.012, 0.014, 0.012, 0.013, 0.012, 0.012], episodes: 0 },
  { why: 'one quiet scrape inside a spiky episode does not split it', values: [0.002, 0.002, 0.002, 0.6, 0.002, 0.7, 0.8, 0.002, 0.002, 0.002, 0.002], episodes: 1, startIdx: 3 },
  { why: 'NaN points (missing scrapes) are skipped, not zero', values: [0.002, NaN, 0.002, 0.002, NaN, 0.003, 0.002], episodes: 0 },
];

for (const row of ROWS) {
  test(`fsync episodes: ${row.why}`, () => {
    const eps = detectEpisodes(series(row.values), fsyncRule, 0, 't');
    assert.equal(eps.length, row.episodes);
    if (row.startIdx !== undefined) {
      // a quantile point summarises the interval before it: onset half a scrape earlier
      assert.equal(eps[0]!.startMs, row.startIdx * 15_000 - 7_500);
      assert.equal(eps[0]!.host, 'cp-2');
      assert.match(eps[0]!.detail, /WAL fsync p99 .* on cp-2/);
    }
  });
}

test('a clock offset moves the episode', () => {
  const eps = detectEpisodes(series([0.002, 0.002, 0.002, 0.9, 0.9, 0.002, 0.002, 0.002]), fsyncRule, -10_000, 't');
  assert.equal(eps[0]!.startMs, 3 * 15_000 - 7_500 - 10_000);
});

test('the window baseline (selected in O(n), not sorted) is the quantile of the sorted finite values', () => {
  const up = { ...fsyncRule, threshold: -1e12, factor: 0 };
  const down = { ...fsyncRule, direction: 'down' as const, threshold: 1e12, factor: 0 };
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  // [values, why]
  const rows: [number[], string][] = [
    [[3, 1, 2], 'three points'],
    [[5, 5, 5, 5, 5, 5], 'all equal'],
    [[1, 2, 2, 2, 2, 3, 2, 2, 1, 9], 'mostly duplicates'],
    [[0, -0, 0, -0, 1, -1, 0], 'signed zeros around the quantile'],
    [[NaN, 4, Infinity, 1, -Infinity, 3, NaN, 2], 'NaN and infinities are left out'],
    [Array.from({ length: 50 }, (_, i) => 50 - i), 'descending'],
    [Array.from({ length: 3600 }, () => Math.round(rnd() * 20) / 4 - 1), '3600 points, many ties, negatives'],
    [Array.from({ length: 3601 }, () => rnd()), '3601 distinct points'],
  ];
  for (const [values, why] of rows) {
    const sorted = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    const s = series(values);
    assert.equal(detectEpisodes(s, up, 0, 't')[0]?.baseline, quantile(sorted, 0.35), `${why}: 35th percentile`);
    assert.equal(detectEpisodes(s, down, 0, 't')[0]?.baseline, quantile(sorted, 0.65), `${why}: 65th percentile`);
  }
});
