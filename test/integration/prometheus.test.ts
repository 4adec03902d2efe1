// The Prometheus source against a real Prometheus (Debian's package) holding the development
// bundles' OpenMetrics backfilled by promtool (.ci/services/prometheus.sh exports PROM_URL).
// For 8 bundles of different causes the symptom series must cross its threshold within one
// step + one rate range of the labelled onset, on the culprit host; the same series read by the
// file source from the bundle must agree. Failure tests use a second, private Prometheus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Series } from '../../correlators/signals/index.js';
import { parseSourceConfig } from '../../server/sources/config.js';
import { readBundle } from '../../server/sources/files/index.js';
import { createPromRangeApi, createPrometheusSource } from '../../server/sources/prometheus/index.js';
import { readLabel } from './helpers/bundle-docs.js';
import { startAuthProxy } from './helpers/auth-proxy.js';
import { caseDir, REPO_ROOT, serversOrSkip, startScratchPrometheus, TEST_CA_FILE } from './helpers/env.js';

const PROM_URL = process.env['PROM_URL'];
const skip = serversOrSkip('prometheus integration tests', ['PROM_URL']);

/** Step (15 s) + rate range (1 m): how late a rate-based series may cross after the onset. */
const TOLERANCE_MS = 75_000;

interface Row {
  id: string;
  metric: string;
  /** Crosses when above (`>`) or below (`<`) the threshold. */
  op: '>' | '<';
  threshold: number;
  /** Hosts whose series must cross (the culprit, when the label names one). */
  hosts?: string[];
}

// One symptom metric per cause, thresholds from DOMAIN.md where it gives one.
const ROWS: Row[] = [
  { id: 'etcd-disk-latency-1-1', metric: 'etcd_wal_fsync_p99_s', op: '>', threshold: 0.1, hosts: ['cp-1'] },
  { id: 'etcd-network-latency-1-1', metric: 'etcd_peer_rtt_p99_s', op: '>', threshold: 0.15, hosts: ['cp-3'] },
  { id: 'etcd-snapshot-compaction-1-1', metric: 'etcd_backend_commit_p99_s', op: '>', threshold: 0.1, hosts: ['cp-2'] },
  { id: 'etcd-clock-skew-1-1', metric: 'node_timex_offset_s', op: '>', threshold: 0.5, hosts: ['cp-3'] },
  { id: 'apiserver-inflight-saturation-1-1', metric: 'apiserver_flowcontrol_rejected_per_s', op: '>', threshold: 0.5, hosts: ['cp-3'] },
  { id: 'admission-webhook-latency-1-1', metric: 'apiserver_webhook_p99_s', op: '>', threshold: 1 },
  { id: 'coredns-overload-1-1', metric: 'coredns_latency_p99_s', op: '>', threshold: 0.5 },
  // available memory starts falling from ~4.3 GB at the onset (worker-2 has 8 GB)
  { id: 'node-memory-pressure-1-1', metric: 'node_memory_available_bytes', op: '<', threshold: 3.8e9, hosts: ['worker-2'] },
];

function firstCrossing(s: Series, op: Row['op'], threshold: number): number | undefined {
  for (let i = 0; i < s.t.length; i++) {
    const v = s.v[i]!;
    if (op === '>' ? v > threshold : v < threshold) return s.t[i];
  }
  return undefined;
}

function crossings(series: Series[], row: Row): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    if (s.metric !== row.metric) continue;
    const t = firstCrossing(s, row.op, row.threshold);
    const key = s.host ?? '';
    if (t !== undefined && (out.get(key) ?? Infinity) > t) out.set(key, t);
  }
  return out;
}

const seriesKey = (s: Series): string => `${s.metric} ${s.host ?? ''} ${JSON.stringify(s.labels)}`;

const promConfig = (extra: Record<string, unknown> = {}) => parseSourceConfig({ prometheus: { url: PROM_URL ?? 'http://127.0.0.1:1', ...extra } }, {}).prometheus!;

test('prometheus: symptom series cross at the labelled onset, on the culprit, as from files', { skip }, async (t) => {
  for (const row of ROWS) {
    await t.test(row.id, async () => {
      const label = readLabel(caseDir(row.id));
      const set = await createPrometheusSource(promConfig()).fetch(label.window);
      assert.equal(set.sources[0]?.status, 'ok', set.sources[0]?.message);
      const prom = crossings(set.series, row);
      assert.ok(prom.size > 0, `${row.metric} never crosses ${row.op} ${row.threshold}`);
      const earliest = Math.min(...prom.values());
      assert.ok(Math.abs(earliest - label.onsetMs) <= TOLERANCE_MS, `${row.metric} crosses at ${new Date(earliest).toISOString()}, label onset ${new Date(label.onsetMs).toISOString()}`);
      for (const h of row.hosts ?? []) assert.ok(prom.has(h), `culprit ${h} has no crossing series (crossing: ${[...prom.keys()].join(', ')})`);

      // The same bundle through the file source (written concurrently: compared once it yields series).
      const files = await readBundle(path.join(caseDir(row.id), 'bundle'), label.window);
      const fromFiles = files.series.filter((s) => s.sourceId.includes('metrics'));
      if (fromFiles.length === 0) {
        t.diagnostic(`${row.id}: the file source gives no metric series yet; file-vs-server comparison skipped`);
        return;
      }
      const fileCross = crossings(fromFiles, row);
      for (const [host, at] of prom) {
        const f = fileCross.get(host);
        assert.ok(f !== undefined, `${row.metric} on ${host || '(no host)'} crosses from Prometheus but not from files`);
        assert.ok(Math.abs(f - at) <= TOLERANCE_MS, `${row.metric} on ${host}: files cross at ${new Date(f).toISOString()}, Prometheus at ${new Date(at).toISOString()}`);
      }
      // Every catalogue series the file source derives from the OpenMetrics, Prometheus gives too.
      const promKeys = new Set(set.series.map(seriesKey));
      const missing = fromFiles.filter((s) => s.sourceId.endsWith('.om') && !promKeys.has(seriesKey(s))).map(seriesKey);
      assert.deepEqual(missing, [], 'series the file source has and Prometheus lacks');
    });
  }
});

test('prometheus: long windows are split into ranges and cached', { skip }, async () => {
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  let requests = 0;
  const real = createPromRangeApi(promConfig());
  const api = { queryRange: (q: string, r: Parameters<typeof real.queryRange>[1]) => { requests++; return real.queryRange(q, r); } };
  const cache = new Map<string, unknown>();
  const config = promConfig({ step: '15s', maxRangePerQuery: '10m', disable: [] });
  const source = createPrometheusSource(config, { api, cache });
  const first = await source.fetch(label.window);
  const report = first.sources[0]!;
  assert.equal(report.status, 'ok', report.message);
  assert.match(report.limits?.[0] ?? '', /split into 3 ranges/);
  const fsync = first.series.find((s) => s.metric === 'etcd_wal_fsync_p99_s' && s.host === 'cp-1')!;
  const whole = (await createPrometheusSource(promConfig({ step: '15s' })).fetch(label.window)).series.find((s) => s.metric === 'etcd_wal_fsync_p99_s' && s.host === 'cp-1')!;
  assert.deepEqual(fsync.t, whole.t, 'three 10-minute ranges joined give the points of one 30-minute range');
  assert.deepEqual(fsync.v, whole.v);
  assert.ok(fsync.t.every((t, i) => i === 0 || t - fsync.t[i - 1]! === 15_000), 'no gap or overlap at the joins');
  const before = requests;
  await source.fetch(label.window);
  assert.equal(requests, before, 'the second fetch of the same window is served from the cache');
});

test('prometheus: a PromQL that errors gives a degraded report naming the query', { skip }, async () => {
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const config = promConfig({ queries: [{ id: 'broken_query', promql: 'sum(rate(etcd_server_has_leader[1m]' }], retries: 0 });
  const set = await createPrometheusSource(config).fetch(label.window);
  const r = set.sources[0]!;
  assert.equal(r.status, 'degraded');
  assert.match(r.message ?? '', /source prometheus: 1 of \d+ queries failed/);
  assert.match(r.message ?? '', /broken_query: source prometheus: query "sum\(rate\(etcd_server_has_leader\[1m\]" failed: HTTP 400/);
  assert.ok(set.series.some((s) => s.metric === 'etcd_wal_fsync_p99_s'), 'the other queries still answered');
});

test('prometheus: wrong credentials give a failed report naming the source; right ones work', { skip }, async (t) => {
  const bundle = path.join(caseDir('etcd-disk-latency-1-1'), 'bundle');
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const scratch = await startScratchPrometheus(bundle, path.join(REPO_ROOT, 'test', 'fixtures', 'prometheus', 'web-basic-auth.yml'));
  t.after(() => scratch.stop());
  const cfg = (password: string) => parseSourceConfig({ prometheus: { url: scratch.url, username: 'rootline', retries: 1, backoff: '10ms' } }, { ROOTLINE_PROM_PASSWORD: password }).prometheus!;
  const bad = await createPrometheusSource(cfg('wrong-password')).fetch(label.window);
  const r = bad.sources[0]!;
  assert.equal(r.status, 'failed');
  assert.match(r.message ?? '', /^source prometheus: \d+ of \d+ queries failed \(0 answered/);
  assert.match(r.message ?? '', /not authorised \(HTTP 401\) for query "histogram_quantile/);
  assert.equal(bad.series.length, 0);
  const good = await createPrometheusSource(cfg('rootline-secret')).fetch(label.window);
  assert.equal(good.sources[0]?.status, 'ok', good.sources[0]?.message);
  assert.ok(good.series.length > 50);
});

test('prometheus: TLS trusts the CA from the config file or the environment; an unknown CA fails naming the source', { skip }, async (t) => {
  const id = 'etcd-disk-latency-1-1';
  const label = readLabel(caseDir(id));
  const scratch = await startScratchPrometheus(path.join(caseDir(id), 'bundle'), path.join(REPO_ROOT, 'test', 'fixtures', 'prometheus', 'web-tls.yml'), TEST_CA_FILE);
  t.after(() => scratch.stop());
  assert.match(scratch.url, /^https:/);
  const cfg = (file: Record<string, unknown>, env: Record<string, string> = {}) => parseSourceConfig({ prometheus: { url: scratch.url, retries: 0, ...file } }, env).prometheus!;
  for (const [how, config] of [['tls.caFile', cfg({ tls: { caFile: TEST_CA_FILE } })], ['ROOTLINE_PROM_CA_FILE', cfg({}, { ROOTLINE_PROM_CA_FILE: TEST_CA_FILE })]] as const) {
    const set = await createPrometheusSource(config).fetch(label.window);
    assert.equal(set.sources[0]?.status, 'ok', `${how}: ${set.sources[0]?.message}`);
    assert.ok(set.series.some((s) => s.metric === 'etcd_wal_fsync_p99_s' && s.host === 'cp-1'), `${how}: the series come over TLS`);
  }
  const untrusted = await createPrometheusSource(cfg({})).fetch(label.window);
  const r = untrusted.sources[0]!;
  assert.equal(r.status, 'failed', r.message);
  assert.match(r.message ?? '', /^source prometheus: \d+ of \d+ queries failed \(0 answered.*cannot reach the server for query ".*(certificate|self[- ]signed)/i);
  assert.equal(untrusted.series.length, 0);
  // the queries already in flight when the first one was refused (one per worker), no more
  assert.ok(r.lines <= cfg({}).concurrency, `${r.lines} requests sent`);
});

test('prometheus: a slow server times out: a failed report naming the source and the timeout, soon', { skip }, async (t) => {
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const slow = await startAuthProxy(PROM_URL!, null, undefined, { delayMs: 3000 });
  t.after(() => slow.stop());
  const started = Date.now();
  const set = await createPrometheusSource(parseSourceConfig({ prometheus: { url: slow.url, timeout: '500ms', retries: 1, backoff: '10ms' } }, {}).prometheus!).fetch(label.window);
  const r = set.sources[0]!;
  assert.equal(r.status, 'failed', r.message);
  assert.match(r.message ?? '', /^source prometheus: \d+ of \d+ queries failed \(0 answered.*query "[^"]+" timed out/);
  assert.equal(set.series.length, 0);
  // each query in flight tries twice (500 ms each), then the source is given up: not 40 queries x 3 s
  assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
});

test('prometheus: a server stopped mid-analysis gives a partial report; a server that is down, a failed one', { skip }, async (t) => {
  const id = 'etcd-disk-latency-1-1';
  const label = readLabel(caseDir(id));
  const scratch = await startScratchPrometheus(path.join(caseDir(id), 'bundle'));
  t.after(() => scratch.stop());
  const config = parseSourceConfig({ prometheus: { url: scratch.url, concurrency: 1, retries: 2, backoff: '20ms' } }, {}).prometheus!;
  const real = createPromRangeApi(config);
  let calls = 0;
  const api = {
    async queryRange(q: string, r: Parameters<typeof real.queryRange>[1]) {
      // metric queries only: each answered one is followed by its sample-time query
      if (!q.includes('(timestamp(') && ++calls === 6) await scratch.stop();
      return real.queryRange(q, r);
    },
  };
  const started = Date.now();
  const set = await createPrometheusSource(config, { api }).fetch(label.window);
  const r = set.sources[0]!;
  assert.equal(r.status, 'degraded', r.message);
  assert.match(r.message ?? '', /source prometheus: \d+ of \d+ queries failed \(5 answered/);
  assert.match(r.message ?? '', /cannot reach the server for query "/);
  assert.ok(set.series.length > 0, 'what was read before the stop is kept');
  assert.ok(Date.now() - started < 10_000, 'the remaining queries are not each retried against a dead server');

  const down = await createPrometheusSource(parseSourceConfig({ prometheus: { url: scratch.url, retries: 1, backoff: '10ms' } }, {}).prometheus!).fetch(label.window);
  assert.equal(down.sources[0]?.status, 'failed');
  assert.match(down.sources[0]?.message ?? '', /source prometheus: .*cannot reach the server/);
});
