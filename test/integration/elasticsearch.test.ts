// The Elasticsearch source against a real Elasticsearch (7.10.2 started by
// .ci/services/elasticsearch.sh, which exports ES_URL). Six development bundles of different
// causes are bulk-loaded in the presets' shapes (raw audit, Filebeat/ECS audit, Fluent Bit logs,
// exported Events); the aggregates Elasticsearch computes must equal what the file source folds
// from the same files, through both audit presets. Failure tests go through a loopback proxy
// that demands an API key and can die mid-analysis.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { AuditAggregate, SignalSet } from '../../correlators/signals/index.js';
import { parseSourceConfig, type SourceConfigFile } from '../../server/sources/config.js';
import { createElasticsearchSource } from '../../server/sources/elasticsearch/index.js';
import { readBundle } from '../../server/sources/files/index.js';
import { startAuthProxy } from './helpers/auth-proxy.js';
import { eventToMetricbeat, fluentToEcsLog, readBundleDocs, readLabel } from './helpers/bundle-docs.js';
import { caseDir, serversOrSkip, TEST_CA_FILE } from './helpers/env.js';
import { bulkLoad, createIndex } from './helpers/es-load.js';

const ES_URL = process.env['ES_URL'];
const skip = serversOrSkip('elasticsearch integration tests', ['ES_URL']);

const CASES = ['etcd-disk-latency-1-1', 'apiserver-inflight-saturation-1-1', 'admission-webhook-latency-1-1', 'watch-cache-relist-storm-1-1', 'node-memory-pressure-1-1', 'etcd-db-quota-1-1'];
const INDEX = { raw: 'rl-it-audit-raw', ecs: 'rl-it-audit-ecs', logs: 'rl-it-logs', events: 'rl-it-events', ecsLogs: 'rl-it-logs-ecs', metricbeat: 'rl-it-events-metricbeat' };

before(async () => {
  if (!ES_URL) return;
  // The bundles' windows do not overlap, so one index per preset holds all six.
  const all = { raw: [] as Record<string, unknown>[], ecs: [] as Record<string, unknown>[], logs: [] as Record<string, unknown>[], events: [] as Record<string, unknown>[] };
  for (const id of CASES) {
    const d = readBundleDocs(path.join(caseDir(id), 'bundle'), readLabel(caseDir(id)).window);
    all.raw.push(...d.rawAudit);
    all.ecs.push(...d.ecsAudit);
    all.logs.push(...d.logs);
    all.events.push(...d.events);
  }
  const plan: [string, string, Record<string, unknown>[]][] = [
    [INDEX.raw, 'raw-audit', all.raw],
    [INDEX.ecs, 'ecs-filebeat', all.ecs],
    [INDEX.logs, 'fluent-bit', all.logs],
    [INDEX.events, 'event-exporter', all.events],
    [INDEX.ecsLogs, 'ecs-filebeat-logs', all.logs.map(fluentToEcsLog)],
    [INDEX.metricbeat, 'metricbeat', all.events.map(eventToMetricbeat)],
  ];
  await Promise.all(plan.map(async ([index, preset, docs]) => {
    await createIndex(ES_URL, index, preset);
    await bulkLoad(ES_URL, index, docs);
  }));
});

function esConfig(url: string, extra: Partial<SourceConfigFile['elasticsearch']> = {}, env: Record<string, string> = {}) {
  const file = { elasticsearch: { url, audit: { index: INDEX.raw }, logs: { index: INDEX.logs }, events: { index: INDEX.events }, ...extra } };
  return parseSourceConfig(file, env).elasticsearch!;
}

const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);

/**
 * Elasticsearch stores dates in whole milliseconds (truncated); the file source rounds the
 * microseconds of stageTimestamp. A request within 0.5 ms of a bucket edge may so land one bucket
 * later from files: the running totals may differ by those few requests, never more.
 */
function assertSameCounts(es: number[], files: number[], what: string): void {
  assert.equal(es.length, files.length, `${what}: grid length`);
  assert.equal(sum(es), sum(files), `${what}: total`);
  let ce = 0;
  let cf = 0;
  let worst = 0;
  for (let i = 0; i < es.length; i++) {
    ce += es[i]!;
    cf += files[i]!;
    worst = Math.max(worst, Math.abs(ce - cf));
  }
  assert.ok(worst <= 3, `${what}: running totals differ by ${worst} requests`);
}

function assertSameAggregate(es: AuditAggregate, files: AuditAggregate, what: string): void {
  assert.equal(es.fromMs, files.fromMs, `${what}: grid start`);
  assert.equal(es.stepMs, files.stepMs, `${what}: grid step`);
  assertSameCounts(es.total, files.total, `${what}: requests`);
  assert.deepEqual(Object.keys(es.byVerb).sort(), Object.keys(files.byVerb).sort(), `${what}: verbs`);
  for (const v of Object.keys(es.byVerb)) assertSameCounts(es.byVerb[v]!, files.byVerb[v]!, `${what}: ${v}`);
  assert.deepEqual(Object.keys(es.byCode).sort(), Object.keys(files.byCode).sort(), `${what}: codes`);
  for (const c of Object.keys(es.byCode)) assertSameCounts(es.byCode[c]!, files.byCode[c]!, `${what}: code ${c}`);
  const agents = (a: AuditAggregate) => a.topUserAgents.slice(0, 5).map((u) => ({ ...u, firstMs: Math.floor(u.firstMs / 2) }));
  assert.deepEqual(agents(es).map((u) => [u.userAgent, u.requests, u.errors, u.throttled]), agents(files).map((u) => [u.userAgent, u.requests, u.errors, u.throttled]), `${what}: top user agents`);
  es.topUserAgents.slice(0, 5).forEach((u, i) => assert.ok(Math.abs(u.firstMs - files.topUserAgents[i]!.firstMs) <= 1, `${what}: first request of ${u.userAgent}`));
  assert.deepEqual(es.latencyAnnotations, files.latencyAnnotations, `${what}: latency annotations`);
  assert.equal(es.samples.length + es.samplesDropped, files.samples.length + files.samplesDropped, `${what}: notable requests`);
  // Percentiles: nearest rank on an HDR histogram (1 %) in Elasticsearch, on a 5 % log histogram in the file source.
  const withLatency = (a: AuditAggregate) => a.latencyP99Ms.filter((v) => !Number.isNaN(v)).length;
  assert.ok(Math.abs(withLatency(es) - withLatency(files)) <= 3, `${what}: buckets with latency ${withLatency(es)} vs ${withLatency(files)}`);
  const peak = (a: number[]): number => Math.max(...a.filter(Number.isFinite));
  const ratio = peak(es.latencyP99Ms) / peak(files.latencyP99Ms);
  assert.ok(ratio > 0.9 && ratio < 1.1, `${what}: peak p99 ${peak(es.latencyP99Ms)} ms vs ${peak(files.latencyP99Ms)} ms from files`);
}

test('elasticsearch: audit aggregated by Elasticsearch equals the file source, both presets, 6 bundles', { skip }, async (t) => {
  for (const id of CASES) {
    await t.test(id, async () => {
      const label = readLabel(caseDir(id));
      const raw = await createElasticsearchSource(esConfig(ES_URL!)).fetch(label.window);
      const ecs = await createElasticsearchSource(esConfig(ES_URL!, { audit: { index: INDEX.ecs, preset: 'ecs-filebeat' } })).fetch(label.window);
      for (const s of [...raw.sources, ...ecs.sources]) assert.equal(s.status, 'ok', `${s.sourceId}: ${s.message}`);
      const a = raw.audit[0]!;
      const expectedTotal = readBundleDocs(path.join(caseDir(id), 'bundle'), label.window).rawAudit.filter((e) => {
        const ms = Date.parse(String(e['stageTimestamp']));
        return ms >= label.window.fromMs && ms < label.window.toMs && (e['stage'] ?? 'ResponseComplete') === 'ResponseComplete';
      }).length;
      assert.equal(sum(a.total), expectedTotal, 'every audit event of the window counted once');
      assertSameAggregate(ecs.audit[0]!, a, 'ecs-filebeat vs raw-audit');
      const files = await readBundle(path.join(caseDir(id), 'bundle'), label.window);
      const fa = files.audit[0];
      if (!fa) {
        t.diagnostic(`${id}: the file source gives no audit aggregate yet; file-vs-server comparison skipped`);
        return;
      }
      assertSameAggregate(a, fa, 'elasticsearch vs files');
    });
  }
});

/** Events as `[object reason, atMs]`, sorted; times compared within 1 ms (eventTime has microseconds). */
function eventsOf(set: SignalSet): [string, number][] {
  return set.logs
    .filter((l) => l.component === 'events')
    .map((l): [string, number] => [`${l.fields['objectKind']}/${l.fields['objectName']} ${l.fields['reason']} ${l.fields['type']} x${l.fields['count']}`, l.atMs])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
}

test('elasticsearch: sparse logs and events read with PIT + search_after match the file source', { skip }, async (t) => {
  for (const id of CASES) {
    await t.test(id, async () => {
      const label = readLabel(caseDir(id));
      const set = await createElasticsearchSource(esConfig(ES_URL!)).fetch(label.window);
      const files = await readBundle(path.join(caseDir(id), 'bundle'), label.window);
      const fileEvents = eventsOf(files);
      const esEvents = eventsOf(set);
      assert.ok(esEvents.length > 0, 'events in the window');
      if (fileEvents.length > 0) {
        assert.deepEqual(esEvents.map((e) => e[0]), fileEvents.map((e) => e[0]), 'the same events: objects, reasons, types, counts');
        esEvents.forEach((e, i) => assert.ok(Math.abs(e[1] - fileEvents[i]![1]) <= 1, `${e[0]}: first seen ${e[1]} vs ${fileEvents[i]![1]} from files`));
      }
      // etcd lines carry their own UTC time: every warning Elasticsearch returns, the file source has too.
      const etcdWarn = set.logs.filter((l) => l.component === 'etcd' && l.severity !== 'info' && l.severity !== 'debug');
      // (times within 1 ms: Elasticsearch truncates microseconds, the file source rounds them)
      const fileEtcd = files.logs.filter((l) => l.component === 'etcd');
      if (fileEtcd.length > 0) {
        for (const l of etcdWarn) assert.ok(fileEtcd.some((f) => Math.abs(f.atMs - l.atMs) <= 1 && f.severity === l.severity && f.message === l.message && f.host === l.host), `etcd line missing from files: ${l.raw}`);
      }
      const fileWarn = files.logs.filter((l) => l.component === 'etcd' && (l.severity === 'warn' || l.severity === 'error'));
      assert.equal(etcdWarn.length, fileWarn.length, 'all etcd warnings and errors of the window, none missed by the sparse query');
    });
  }
});

/** What a correlator sees of a record: time, component, host, severity, message and fields (the index names aside). */
function recordKeys(set: SignalSet, fieldsOf: (f: Record<string, unknown>) => Record<string, unknown> = (f) => f): string[] {
  return set.logs.map((l) => JSON.stringify([l.atMs, l.component, l.host ?? null, l.severity, l.message, fieldsOf(l.fields), l.sourceId.replace(/^elasticsearch:[^/]+/, '')])).sort();
}

test('elasticsearch: the Filebeat (ECS) log preset and the Metricbeat event preset read the same records as Fluent Bit and an event exporter', { skip }, async (t) => {
  for (const id of CASES.slice(0, 3)) {
    await t.test(id, async () => {
      const label = readLabel(caseDir(id));
      const base = await createElasticsearchSource(esConfig(ES_URL!, { audit: undefined })).fetch(label.window);
      const other = await createElasticsearchSource(esConfig(ES_URL!, { audit: undefined, logs: { index: INDEX.ecsLogs, preset: 'ecs-filebeat' }, events: { index: INDEX.metricbeat, preset: 'metricbeat' } })).fetch(label.window);
      for (const s of [...base.sources, ...other.sources]) assert.equal(s.status, 'ok', `${s.sourceId}: ${s.message}`);
      const logs = (set: SignalSet): SignalSet => ({ ...set, logs: set.logs.filter((l) => l.component !== 'events') });
      const baseLogs = recordKeys(logs(base));
      assert.ok(baseLogs.length > 20, `${baseLogs.length} container log records`);
      assert.deepEqual(recordKeys(logs(other)), baseLogs, 'container logs: Filebeat ECS vs Fluent Bit');
      // Metricbeat carries neither the reporting host nor component, and the Event's own namespace
      const eventFields = (f: Record<string, unknown>) => ({ ...f, host: undefined, sourceComponent: undefined, namespace: undefined });
      const events = (set: SignalSet): SignalSet => ({ ...set, logs: set.logs.filter((l) => l.component === 'events').map((l) => ({ ...l, host: undefined as unknown as string })) });
      const baseEvents = recordKeys(events(base), eventFields);
      assert.ok(baseEvents.length > 0, 'events in the window');
      assert.deepEqual(recordKeys(events(other), eventFields), baseEvents, 'events: Metricbeat vs event exporter');
    });
  }
});

test('elasticsearch: caps are applied and reported', { skip }, async () => {
  const label = readLabel(caseDir('apiserver-inflight-saturation-1-1'));
  const set = await createElasticsearchSource(esConfig(ES_URL!, { audit: { index: INDEX.raw, cap: 50 }, events: { index: INDEX.events, cap: 7 } })).fetch(label.window);
  const audit = set.sources.find((s) => s.sourceId.endsWith(INDEX.raw))!;
  assert.match(audit.limits?.[0] ?? '', /^notable audit requests capped at 50 of \d+/);
  assert.equal(set.audit[0]!.samples.length, 50);
  assert.ok(set.audit[0]!.samplesDropped > 0);
  const ev = set.sources.find((s) => s.sourceId.endsWith(INDEX.events))!;
  assert.match(ev.limits?.[0] ?? '', /^events capped at 7 of \d+ matching documents/);
  assert.equal(set.logs.filter((l) => l.component === 'events').length, 7);
});

test('elasticsearch: wrong credentials give failed reports naming the source; the right key works', { skip }, async (t) => {
  const proxy = await startAuthProxy(ES_URL!, 'rootline-it:good-key');
  t.after(() => proxy.stop());
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const bad = await createElasticsearchSource(esConfig(proxy.url, { retries: 1, backoff: '10ms' }, { ROOTLINE_ES_API_KEY: 'rootline-it:wrong-key' })).fetch(label.window);
  assert.deepEqual(bad.sources.map((s) => s.status), ['failed', 'failed', 'failed']);
  assert.match(bad.sources[0]!.message ?? '', /^source elasticsearch: audit aggregation on rl-it-audit-raw failed: source elasticsearch: not authorised \(HTTP 401\) for search rl-it-audit-raw/);
  assert.equal(bad.audit.length, 0);
  const good = await createElasticsearchSource(esConfig(proxy.url, {}, { ROOTLINE_ES_API_KEY: 'rootline-it:good-key' })).fetch(label.window);
  assert.deepEqual(good.sources.map((s) => s.status), ['ok', 'ok', 'ok'], good.sources.map((s) => s.message).join('\n'));
});

test('elasticsearch: basic auth with the password from the environment; a wrong one fails naming the source', { skip }, async (t) => {
  const proxy = await startAuthProxy(ES_URL!, null, undefined, { basic: { username: 'rootline', password: 'es-secret' } });
  t.after(() => proxy.stop());
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const bad = await createElasticsearchSource(esConfig(proxy.url, { username: 'rootline', retries: 1, backoff: '10ms' }, { ROOTLINE_ES_PASSWORD: 'wrong' })).fetch(label.window);
  assert.deepEqual(bad.sources.map((s) => s.status), ['failed', 'failed', 'failed']);
  assert.match(bad.sources[0]!.message ?? '', /^source elasticsearch: audit aggregation on rl-it-audit-raw failed: source elasticsearch: not authorised \(HTTP 401\)/);
  const good = await createElasticsearchSource(esConfig(proxy.url, { username: 'rootline' }, { ROOTLINE_ES_PASSWORD: 'es-secret' })).fetch(label.window);
  assert.deepEqual(good.sources.map((s) => s.status), ['ok', 'ok', 'ok'], good.sources.map((s) => s.message).join('\n'));
  assert.ok(sum(good.audit[0]!.total) > 0);
});

test('elasticsearch: HTTPS trusts the CA from the config file or the environment; an unknown CA fails naming the source', { skip }, async (t) => {
  const proxy = await startAuthProxy(ES_URL!, 'rootline-it:tls-key', undefined, { tls: true });
  t.after(() => proxy.stop());
  assert.match(proxy.url, /^https:/);
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const key = { ROOTLINE_ES_API_KEY: 'rootline-it:tls-key' };
  for (const [how, config] of [['tls.caFile', esConfig(proxy.url, { tls: { caFile: TEST_CA_FILE } }, key)], ['ROOTLINE_ES_CA_FILE', esConfig(proxy.url, {}, { ...key, ROOTLINE_ES_CA_FILE: TEST_CA_FILE })]] as const) {
    const set = await createElasticsearchSource(config).fetch(label.window);
    assert.deepEqual(set.sources.map((s) => s.status), ['ok', 'ok', 'ok'], `${how}: ${set.sources.map((s) => s.message).join('\n')}`);
    assert.ok(sum(set.audit[0]!.total) > 0 && set.logs.length > 0, `${how}: audit, logs and events come over TLS`);
  }
  const before = proxy.requests;
  const untrusted = await createElasticsearchSource(esConfig(proxy.url, { retries: 0 }, key)).fetch(label.window);
  assert.deepEqual(untrusted.sources.map((s) => s.status), ['failed', 'failed', 'failed']);
  for (const s of untrusted.sources) assert.match(s.message ?? '', /^source elasticsearch: .* failed: source elasticsearch: cannot reach the server for .*(certificate|self[- ]signed)/i);
  assert.equal(proxy.requests, before, 'no request got through the refused handshake');
});

test('elasticsearch: a slow server times out: failed reports naming the source and the timeout, soon', { skip }, async (t) => {
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const slow = await startAuthProxy(ES_URL!, null, undefined, { delayMs: 3000 });
  t.after(() => slow.stop());
  const started = Date.now();
  const set = await createElasticsearchSource(esConfig(slow.url, { timeout: '500ms', retries: 1, backoff: '10ms' })).fetch(label.window);
  assert.deepEqual(set.sources.map((s) => s.status), ['failed', 'failed', 'failed'], set.sources.map((s) => s.message).join('\n'));
  for (const s of set.sources) assert.match(s.message ?? '', /^source elasticsearch: .* failed: source elasticsearch: search rl-it-audit-raw timed out/);
  assert.equal(set.audit.length, 0);
  assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
});

test('elasticsearch: a query that errors fails its part only; a server stopped mid-analysis gives a partial report', { skip }, async (t) => {
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  // `log` is a text field: Elasticsearch refuses a terms aggregation on it (HTTP 400).
  const broken = await createElasticsearchSource(esConfig(ES_URL!, { audit: { index: INDEX.logs, fields: { userAgent: 'log' } } })).fetch(label.window);
  assert.deepEqual(broken.sources.map((s) => s.status), ['failed', 'ok', 'ok']);
  assert.match(broken.sources[0]!.message ?? '', /audit aggregation on rl-it-logs failed: source elasticsearch: query "search rl-it-logs" failed: HTTP 400: search_phase_execution_exception/);
  assert.ok(broken.logs.length > 0, 'logs and events still read');

  const proxy = await startAuthProxy(ES_URL!, 'k', async (n, p) => {
    if (n === 3) await p.stop();
  });
  t.after(() => proxy.stop());
  const started = Date.now();
  const set = await createElasticsearchSource(esConfig(proxy.url, { retries: 2, backoff: '20ms' }, { ROOTLINE_ES_API_KEY: 'k' })).fetch(label.window);
  // the server goes away after the aggregation, before the notable requests are read
  assert.deepEqual(set.sources.map((s) => s.status), ['degraded', 'failed', 'failed'], set.sources.map((s) => s.message).join('\n'));
  assert.match(set.sources[0]!.message ?? '', /^source elasticsearch: notable audit requests on rl-it-audit-raw could not be read \(the aggregation could\): source elasticsearch: cannot reach the server for (open point in time|search)/);
  assert.match(set.sources[1]!.message ?? '', /^source elasticsearch: reading logs from rl-it-logs failed: source elasticsearch: cannot reach the server/);
  assert.equal(set.audit.length, 1, 'the aggregate read before the stop is kept');
  assert.ok(Date.now() - started < 10_000);
});
