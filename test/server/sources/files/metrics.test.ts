import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Series } from '../../../../correlators/signals/index.js';
import { histogramQuantile } from '../../../../server/sources/files/histogram-quantile.js';
import { parseLabels, parseSampleLine } from '../../../../server/sources/files/parse-openmetrics.js';
import { iso, readFiles, readFixture, utc } from './helpers.js';

function find(series: Series[], metric: string, host?: string, component?: string): Series {
  const s = series.find((x) => x.metric === metric && (host === undefined || x.host === host) && (component === undefined || x.component === component));
  assert.ok(s, `series ${metric} ${host ?? ''} ${component ?? ''}`);
  return s;
}

function close(actual: number | undefined, expected: number, why: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${why}: ${actual} != ${expected}`);
}

test('histogramQuantile: Prometheus bucketQuantile rules', () => {
  const b = (pairs: [number, number][]): { le: number; value: number }[] => pairs.map(([le, value]) => ({ le, value }));
  const h = b([[0.001, 20], [0.002, 60], [0.004, 95], [0.008, 100], [Infinity, 100]]);
  const rows: [number, { le: number; value: number }[], number, string][] = [
    // rank 99 falls in (0.004, 0.008] holding 5: 0.004 + 0.004 * (99 - 95) / 5
    [0.99, h, 0.0072, 'p99 interpolated in its bucket'],
    [0.5, h, 0.00175, 'p50: 0.001 + 0.001 * (50 - 20) / 40'],
    [0.1, h, 0.0005, 'first bucket starts at 0'],
    [0.99, b([[0.1, 10], [1, 50], [Infinity, 100]]), 1, 'rank in +Inf: the largest finite bound'],
    [0.5, b([[0.1, 10], [1, 50]]), NaN, 'no +Inf bucket'],
    [0.5, b([[Infinity, 0], [1, 0]]), NaN, 'no observations'],
    [0.5, b([[1, 10], [2, 8], [Infinity, 20]]), 1, 'non-monotonic buckets made monotonic'],
    // rank 10 of 40 in (0, 1] holding 10 + 10
    [0.25, b([[Infinity, 40], [1, 10], [1, 10]]), 0.5, 'equal bounds merged, input in any order'],
  ];
  for (const [q, buckets, want, why] of rows) {
    const got = histogramQuantile(q, buckets);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got), why);
    else close(got, want, why);
  }
});

test('parseSampleLine / parseLabels: OpenMetrics and Prometheus text lines', () => {
  const ok = (name: string, labelText: string, value: number, tMs: number | undefined) => ({ ok: true, value: { name, labelText, value, tMs } });
  assert.deepEqual(parseSampleLine('x_total{a="1",b="q\\"}"} 12 1795831200.5'), ok('x_total', '{a="1",b="q\\"}"}', 12, 1795831200500));
  assert.deepEqual(parseSampleLine('up 1 1795831200000'), ok('up', '', 1, 1795831200000), 'Prometheus text: ms timestamps');
  assert.deepEqual(parseSampleLine('x_bucket{le="+Inf"} 3 1795831200 # {trace_id="a"} 0.5 1795831199'), ok('x_bucket', '{le="+Inf"}', 3, 1795831200000), 'exemplar ignored');
  assert.deepEqual(parseSampleLine('g NaN'), ok('g', '', NaN, undefined));
  const rows: [string, string][] = [
    ['x{a="1" 2 3', 'unterminated label set'],
    ['x one 3', 'invalid sample value "one"'],
    ['x 1 2 3', 'malformed sample line'],
    ['x 1 later', 'invalid timestamp "later"'],
    ['9x 1', 'malformed sample line'],
  ];
  for (const [line, reason] of rows) assert.deepEqual(parseSampleLine(line), { ok: false, reason }, line);
  assert.deepEqual(parseLabels('{a="x",b="y\\"z\\n"}'), { a: 'x', b: 'y"z\n' });
  assert.equal(parseLabels('{a=x}'), undefined);
});

test('OpenMetrics: histogram p99 and p50 over summed bucket rates, counter rates with a reset', async (t) => {
  const { set, report } = await readFixture(t, 'metrics/metrics.om');
  assert.equal(report.format, 'openmetrics');
  assert.equal(report.message, '1 family not in the catalogue: go_goroutines');
  assert.deepEqual(report.badSamples.map((b) => [b.line, b.reason]), [[68, 'invalid sample value "one"'], [69, 'unterminated label set']]);
  // shards a and b of cp-1 differ only in a label outside `by`: their bucket rates are summed per le,
  // increments 20 60 95 100 100 over 15 s, as worked out in the histogramQuantile test
  const p99 = find(set.series, 'etcd_wal_fsync_p99_s', 'cp-1');
  assert.deepEqual(p99.t, [utc('2026-11-28T02:00:15Z')]);
  close(p99.v[0], 0.0072, 'p99');
  close(find(set.series, 'etcd_wal_fsync_p50_s', 'cp-1').v[0], 0.00175, 'p50');
  assert.equal(p99.origin, 'histogram_quantile(0.99, sum by (le) (irate(etcd_disk_wal_fsync_duration_seconds_bucket{instance="cp-1:2381",job="etcd"}[1m])))');
  assert.deepEqual([p99.component, p99.labels], ['etcd', {}]);
  const leader = find(set.series, 'etcd_leader_changes_per_s', 'cp-1');
  assert.deepEqual(leader.t.map(iso), ['2026-11-28T02:00:15.500Z', '2026-11-28T02:00:30.500Z']);
  close(leader.v[0], 3 / 15, '5 -> 8 in 15 s');
  close(leader.v[1], 2 / 15, '8 -> 2 is a reset: the increase is 2');
  assert.deepEqual(find(set.series, 'etcd_has_leader', 'cp-1').v, [1]);
  close(find(set.series, 'node_cpu_idle_ratio', 'cp-1').v[0], 21 / 30, 'idle share of all modes over both cpus');
  close(find(set.series, 'node_cpu_iowait_ratio', 'cp-1').v[0], 4.5 / 30, 'iowait share');
  close(find(set.series, 'node_disk_write_await_s', 'cp-1').v[0], 0.3 / 100, 'write time per write');
  close(find(set.series, 'node_disk_writes_per_s', 'cp-1').v[0], 100 / 15, 'writes per second');
  close(find(set.series, 'process_cpu_cores', 'cp-1', 'etcd').v[0], 1.5 / 15, 'etcd CPU, component from job');
  close(find(set.series, 'process_cpu_cores', 'cp-1', 'kube-apiserver').v[0], 6 / 15, 'apiserver CPU, component from job');
  assert.deepEqual(find(set.series, 'node_ready', 'worker-1').v, [0], 'match {condition: Ready, status: true}');
  assert.deepEqual(find(set.series, 'node_memory_pressure', 'worker-1').v, [1]);
});

test('Prometheus text exposition (ms timestamps, counters with _total in TYPE)', async (t) => {
  const set = await readFiles(t, {
    'metrics/etcd.prom': [
      '# HELP etcd_server_proposals_failed_total The total number of failed proposals seen.',
      '# TYPE etcd_server_proposals_failed_total counter',
      'etcd_server_proposals_failed_total{instance="10.0.0.2:2379"} 4 1795831200000',
      'etcd_server_proposals_failed_total{instance="10.0.0.2:2379"} 10 1795831230000',
      'etcd_server_proposals_failed_total{instance="10.0.0.2:2379"} 10',
    ].join('\n'),
  });
  assert.equal(set.sources[0]?.format, 'prometheus-text');
  assert.deepEqual(set.sources[0]?.limits, ['1 sample without a timestamp was skipped (a single scrape cannot be placed in time)']);
  const s = find(set.series, 'etcd_proposals_failed_per_s', '10.0.0.2');
  assert.deepEqual([s.t.map(iso), s.v], [['2026-11-28T02:00:30.000Z'], [0.2]]);
});

test('query_range JSON: PromQL results named by the file, raw series derived, unknown ones reported', async (t) => {
  const named = await readFixture(t, 'metrics/etcd_wal_fsync_p99_s.json');
  assert.equal(named.report.format, 'prometheus-query-range');
  assert.deepEqual(named.set.series.map((s) => [s.metric, s.host, s.component, s.v.map(String).join(' ')]), [
    ['etcd_wal_fsync_p99_s', 'cp-1', 'etcd', '0.004 0.0042 0.0051'],
    ['etcd_wal_fsync_p99_s', 'cp-2', 'etcd', '0.9 1.2 NaN'],
  ]);
  const raw = await readFixture(t, 'metrics/leader-changes.json');
  const s = find(raw.set.series, 'etcd_leader_changes_per_s', 'cp-3');
  assert.deepEqual([s.t.map(iso), s.v], [['2026-11-28T02:00:30.000Z', '2026-11-28T02:01:00.000Z'], [0.1, 0]]);
  const unknown = await readFixture(t, 'metrics/mystery.json');
  assert.deepEqual([unknown.report.status, unknown.report.message], ['degraded', '1 series skipped: no __name__ and the file name names no catalogue metric id']);
  assert.equal(unknown.set.series.length, 0);
});

test('query_range JSON: an error response fails the source with the API message', async (t) => {
  const set = await readFiles(t, { 'metrics/q.json': '{"status":"error","errorType":"bad_data","error":"parse error at char 5"}' });
  assert.deepEqual([set.sources[0]?.format, set.sources[0]?.status, set.sources[0]?.message], ['prometheus-query-range', 'failed', 'query_range error: parse error at char 5']);
});

test('OpenMetrics: every line of a series seen before is checked as strictly as its first', async (t) => {
  const series = 'etcd_server_leader_changes_seen_total{instance="cp-1:2381",job="etcd"}';
  const set = await readFiles(t, {
    'metrics/m.om': [
      '# TYPE etcd_server_leader_changes_seen counter',
      `${series} 4`,
      `${series} 5 1795831200`,
      `${series} 7 later`,
      `${series} 8 1795831215 # {trace_id="a"} 1 1795831214`,
      `${series} 9 1795831215`,
      `${series}  14\t1795831230`,
      `${series} x 1795831245`,
      `${series} 15 1795831245 extra`,
      `${series}`,
      'etcd_server_leader_changes_seen_total{instance="cp-2:2381",job=etcd} 1 1795831200',
      'etcd_server_leader_changes_seen_total{instance="cp-2:2381",job=etcd} 2 1795831215',
      '# EOF',
    ].join('\n'),
  });
  const report = set.sources[0]!;
  assert.deepEqual(report.badSamples.map((b) => [b.line, b.reason]), [
    [4, 'invalid timestamp "later"'],
    [8, 'invalid sample value "x"'],
    [9, 'malformed sample line'],
    [10, 'malformed sample line'],
    [11, 'malformed label set'],
  ], 'a bad label set is reported once, where its series first appears');
  assert.deepEqual(report.limits, ['1 sample without a timestamp was skipped (a single scrape cannot be placed in time)']);
  // 5 -> 8 in 15 s; the second sample at :15 adds nothing; 8 -> 14 in 15 s
  const s = find(set.series, 'etcd_leader_changes_per_s', 'cp-1');
  assert.deepEqual([s.t.map(iso), s.v], [['2026-11-28T02:00:15.000Z', '2026-11-28T02:00:30.000Z'], [0.2, 0.4]]);
});
