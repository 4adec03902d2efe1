// The Prometheus source through a fake of its narrow interface (`PromRangeApi`), fed with a
// recorded query_range response: mapping, bad series, failures, retries, breaker, cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceQueryError, SourceUnavailableError } from '../../../../correlators/errors.js';
import { METRICS } from '../../../../correlators/signals/index.js';
import { parseSourceConfig } from '../../../../server/sources/config.js';
import { createPrometheusSource, type PromRangeApi, type QueryRange } from '../../../../server/sources/prometheus/index.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'test', 'fixtures', 'prometheus');
const recorded = JSON.parse(readFileSync(path.join(FIXTURES, 'query-range-wal-fsync-p99.json'), 'utf8')) as { data: { result: unknown[] } };

const window = { fromMs: Date.UTC(2026, 4, 9, 22, 31, 30), toMs: Date.UTC(2026, 4, 9, 22, 32, 30) };
const config = (extra: Record<string, unknown> = {}) => parseSourceConfig({ prometheus: { url: 'http://prom.test:9090', ...extra } }, {}).prometheus!;

/** Answers the WAL fsync p99 query with the recording, every other query with an empty matrix. */
function fakeApi(overrides: (q: string, n: number) => unknown | Error = () => undefined): PromRangeApi & { calls: { q: string; r: QueryRange }[] } {
  const calls: { q: string; r: QueryRange }[] = [];
  return {
    calls,
    async queryRange(q, r) {
      calls.push({ q, r });
      const o = overrides(q, calls.length);
      if (o instanceof Error) throw o;
      if (o !== undefined) return o;
      return q.includes('etcd_disk_wal_fsync_duration_seconds_bucket') && q.startsWith('histogram_quantile(0.99') ? recorded.data.result : [];
    },
  };
}

const noSleep = { sleep: async () => {} };

test('maps a recorded matrix to Series: id, host without port, component from job, origin', async () => {
  const set = await createPrometheusSource(config(), { api: fakeApi(), ...noSleep }).fetch(window);
  assert.equal(set.sources[0]?.status, 'ok');
  assert.match(set.sources[0]?.message ?? '', /^\d+ queries, 3 series, step 15s, irate range \[1m\]$/);
  const s = set.series.find((x) => x.host === 'cp-1')!;
  assert.equal(s.metric, 'etcd_wal_fsync_p99_s');
  assert.equal(s.component, 'etcd');
  assert.deepEqual(s.labels, {});
  assert.equal(s.origin, 'histogram_quantile(0.99, sum by (node, instance, hostname, job, le) (irate(etcd_disk_wal_fsync_duration_seconds_bucket[1m]))) {instance="cp-1:2381",job="etcd"}');
  // the fake knows no sample times: each point sits half a scrape before its evaluation
  assert.equal(s.t[0], Date.UTC(2026, 4, 9, 22, 31, 30) - 7_500);
  assert.ok(s.v.every((v) => typeof v === 'number'));
  assert.deepEqual([...new Set(set.series.map((x) => x.host))].sort(), ['cp-1', 'cp-2', 'cp-3']);
});

test('points are put back at their samples\' times; an evaluation that re-reads a sample adds no point', async () => {
  // cp-1 was scraped 10.3 s before each evaluation, except that its scrape at 22:31:44.7 was late:
  // the evaluations at 22:31:45 and 22:32:00 both read the sample of 22:31:49.7 -> one point
  const evalS = [1778365890, 1778365905, 1778365920, 1778365935, 1778365950];
  const sampleS = ['1778365879.662', '1778365894.662', '1778365909.662', '1778365909.662', '1778365939.662'];
  const stamps = [{ metric: { instance: 'cp-1:2381', job: 'etcd' }, values: evalS.map((t, i) => [t, sampleS[i]]) }];
  const api = fakeApi((q) => (q === 'max by (node, instance, hostname, job) (timestamp(etcd_disk_wal_fsync_duration_seconds_bucket))' ? stamps : undefined));
  const set = await createPrometheusSource(config(), { api, ...noSleep }).fetch(window);
  const cp1 = set.series.find((x) => x.metric === 'etcd_wal_fsync_p99_s' && x.host === 'cp-1')!;
  assert.deepEqual(cp1.t, [1778365879662, 1778365894662, 1778365909662, 1778365939662]);
  assert.deepEqual(cp1.v.map((v) => Math.round(v * 1000)), [9, 8, 902, 1609]);
  // cp-2 has no sample times: half a scrape before each evaluation
  assert.deepEqual(set.series.find((x) => x.metric === 'etcd_wal_fsync_p99_s' && x.host === 'cp-2')!.t, evalS.map((t) => t * 1000 - 7_500));
  // fsync p50 shares the family: its sample times were asked once
  assert.equal(api.calls.filter((c) => c.q.startsWith('max by (node, instance, hostname, job) (timestamp(etcd_disk_wal_fsync')).length, 1);
});

test('a sample-time query that fails costs precision, not the metric', async () => {
  const err = new SourceQueryError('prometheus', 'max by (...)', 'HTTP 422: unknown function timestamp');
  const set = await createPrometheusSource(config(), { api: fakeApi((q) => (q.includes('(timestamp(') ? err : undefined)), ...noSleep }).fetch(window);
  const r = set.sources[0]!;
  assert.equal(r.status, 'ok');
  assert.match(r.limits?.[0] ?? '', /^\d+ sample-time queries failed: those points are placed 7.5 s before their evaluation, the expected age of their samples$/);
  assert.equal(set.series.filter((s) => s.metric === 'etcd_wal_fsync_p99_s').length, 3);
});

test('a malformed series is counted in the report, the others kept', async () => {
  const bad = [{ metric: { instance: 'cp-9:2381', job: 'etcd' }, values: [[1, 2]] }, ...recorded.data.result];
  const set = await createPrometheusSource(config(), { api: fakeApi((q) => (q.startsWith('histogram_quantile(0.99, sum by (node, instance, hostname, job, le) (irate(etcd_disk_wal') ? bad : undefined)), ...noSleep }).fetch(window);
  const r = set.sources[0]!;
  assert.equal(r.badLines, 1);
  assert.equal(r.badSamples[0]?.file, 'etcd_wal_fsync_p99_s');
  assert.equal(set.series.filter((s) => s.metric === 'etcd_wal_fsync_p99_s').length, 3);
});

test('a rejected query degrades the report and names the query; the rest is kept', async () => {
  const err = new SourceQueryError('prometheus', 'sum by (node, instance, hostname, job) (etcd_server_has_leader)', 'HTTP 422: many-to-many matching not allowed');
  const set = await createPrometheusSource(config({ retries: 3 }), { api: fakeApi((q) => (q.includes('etcd_server_has_leader') ? err : undefined)), ...noSleep }).fetch(window);
  const r = set.sources[0]!;
  assert.equal(r.status, 'degraded');
  assert.match(r.message ?? '', /^source prometheus: 1 of \d+ queries failed \(\d+ answered, step 15s, irate range \[1m\]\); first failing query etcd_has_leader: source prometheus: query "sum by \(node, instance, hostname, job\) \(etcd_server_has_leader\)" failed: HTTP 422: many-to-many matching not allowed$/);
  assert.equal(set.series.length, 3);
});

test('an unreachable server: bounded retries with exponential backoff, then no more queries, a failed report', async () => {
  const delays: number[] = [];
  const down = new SourceUnavailableError('prometheus', 'cannot reach the server for query "x": ECONNREFUSED', { cause: { errorType: 'network_error', code: 'ECONNREFUSED' } });
  const api = fakeApi(() => down);
  const set = await createPrometheusSource(config({ retries: 2, backoff: '100ms', concurrency: 1 }), { api, sleep: async (ms) => void delays.push(ms) }).fetch(window);
  assert.deepEqual(delays, [100, 200]);
  assert.equal(api.calls.length, 3, 'one query tried three times, the others not sent');
  const r = set.sources[0]!;
  assert.equal(r.status, 'failed');
  assert.match(r.message ?? '', new RegExp(`^source prometheus: ${METRICS.length} of ${METRICS.length} queries failed \\(0 answered`));
  assert.match(r.message ?? '', /first failing query etcd_wal_fsync_p99_s: source prometheus: cannot reach the server/);
});

test('wrong credentials are not retried', async () => {
  const denied = new SourceUnavailableError('prometheus', 'not authorised (HTTP 401)', { cause: { errorType: 'http_error', httpStatus: 401 } });
  const api = fakeApi(() => denied);
  const set = await createPrometheusSource(config({ concurrency: 1 }), { api, ...noSleep }).fetch(window);
  assert.equal(api.calls.length, 1);
  assert.equal(set.sources[0]?.status, 'failed');
});

test('results are cached per source, except a range still filling up', async () => {
  const api = fakeApi();
  const cache = new Map<string, unknown>();
  const src = createPrometheusSource(config(), { api, cache, nowMs: () => window.toMs + 3_600_000, ...noSleep });
  await src.fetch(window);
  const n = api.calls.length;
  await src.fetch(window);
  assert.equal(api.calls.length, n);
  const live = fakeApi();
  const liveSrc = createPrometheusSource(config(), { api: live, nowMs: () => window.toMs, ...noSleep });
  await liveSrc.fetch(window);
  await liveSrc.fetch(window);
  assert.equal(live.calls.length, 2 * n, 'the newest range is asked again');
});
