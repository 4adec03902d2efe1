import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditStepMs } from '../../../../server/sources/files/audit-aggregate.js';
import { parseAuditLine } from '../../../../server/sources/files/parse-audit.js';
import { readFiles, readFixture, utc } from './helpers.js';

test('audit fixture: grid counts, latency quantiles, samples, user agents, annotations', async (t) => {
  const { set, report } = await readFixture(t, 'audit/audit.log');
  assert.equal(report.format, 'kube-audit');
  assert.deepEqual(report.badSamples.map((b) => [b.line, b.reason]), [[10, 'invalid JSON'], [11, 'not an audit.k8s.io Event']]);
  assert.deepEqual(report.limits, [
    '1 audit event outside the analysis window was not aggregated',
    '1 audit event at a stage other than ResponseComplete was not counted',
  ]);
  assert.equal(set.logs.length, 0, 'audit events are aggregated, not kept');
  const [a] = set.audit;
  assert.ok(a);
  assert.deepEqual([a.sourceId, a.fromMs, a.stepMs, a.total.length], ['audit/audit.log', utc('2026-11-28T02:00:00Z'), 1000, 1800]);
  assert.deepEqual(a.total.slice(0, 5), [3, 2, 1, 1, 0]);
  assert.deepEqual(a.byVerb.watch?.slice(0, 2), [1, 0]);
  assert.deepEqual(a.byCode['500']?.slice(0, 2), [1, 0]);
  assert.deepEqual(a.byCode['201']?.slice(0, 4), [0, 0, 0, 1], 'level Request goes through JSON.parse and still counts');
  // bucket 0: get 5 ms and list 700 ms; the 5-minute watch is left out of latency
  assert.deepEqual([a.latencyP50Ms[0], a.latencyP99Ms[0]], [5, 700]);
  assert.deepEqual([a.latencyP50Ms[2], a.latencyP99Ms[2]], [1500, 1500]);
  assert.ok(Number.isNaN(a.latencyP99Ms[4]), 'an empty bucket has no quantile');
  assert.deepEqual(a.samples.map((s) => [s.code, s.verb, s.latencyMs, s.resource, s.message, s.line]), [
    [500, 'list', 700, 'pods', 'etcdserver: request timed out', 3],
    [429, 'get', 1, 'configmaps', undefined, 4],
    [410, 'list', 10, 'pods', 'too old resource version: 123 (456)', 5],
    [200, 'update', 1500, 'leases', undefined, 6],
  ]);
  assert.deepEqual([a.samples[0]?.username, a.samples[0]?.userAgent, a.samples[0]?.file], ['alice@corp.example', 'kubectl/v1.29.2 (darwin/arm64) kubernetes/4b8e819', 'audit/audit.log']);
  assert.equal(a.samplesDropped, 0);
  assert.deepEqual(a.topUserAgents.map((u) => [u.userAgent, u.requests, u.errors, u.throttled]), [
    ['kubelet/v1.29.4 (linux/amd64) kubernetes/55019c8', 4, 0, 0],
    ['flood/1.0', 2, 0, 1],
    ['kubectl/v1.29.2 (darwin/arm64) kubernetes/4b8e819', 1, 1, 0],
  ]);
  assert.deepEqual(a.latencyAnnotations, { etcd: 1, total: 1 });
});

test('parseAuditLine: the fast path, the JSON.parse path and reordered keys agree', () => {
  const base = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/pods?watch=true\\u0026resourceVersion=1","verb":"list","user":{"username":"u"},"userAgent":"ua/1","responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-28T02:00:00.000001Z","stageTimestamp":"2026-11-28T02:00:01.5Z","annotations":{"apiserver.latency.k8s.io/etcd":"1s"}}';
  const o = JSON.parse(base) as Record<string, unknown>;
  const variants: [string, string][] = [
    [base, 'fast path'],
    [base.replace('"level":"Metadata"', '"level":"Request"'), 'JSON.parse path (level Request may carry objects)'],
    [JSON.stringify(Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]))), 'keys sorted, as a log shipper may rewrite them'],
    [base.replace('"user":{"username":"u"}', '"user":{"username":"u","extra":{"brokerAgent":"x","lastStatus":{}}}'), 'a key ending like userAgent or responseStatus comes first'],
  ];
  for (const [line, why] of variants) {
    const r = parseAuditLine(line);
    assert.ok(r.ok, why);
    assert.deepEqual(r.value, {
      stage: 'ResponseComplete', verb: 'list', code: 200, userAgent: 'ua/1', atMs: utc('2026-11-28T02:00:01.500Z'),
      receivedMs: utc('2026-11-28T02:00:00.000Z'), watch: true, latencyAnnotations: ['etcd'],
    }, why);
  }
  const escaped = parseAuditLine(base.replace('"userAgent":"ua/1"', '"userAgent":"ua/1 \\"quoted\\""'));
  assert.ok(escaped.ok);
  assert.equal(escaped.value.userAgent, 'ua/1 "quoted"', 'an escape in a value takes the JSON.parse path');
  assert.deepEqual(parseAuditLine('{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get"}'), { ok: false, reason: 'missing stageTimestamp' });
  assert.deepEqual(parseAuditLine('{"kind":"Event","apiVersion":"audit.k8s.io/v1","stageTimestamp":"soon"}'), { ok: false, reason: 'invalid stageTimestamp "soon"' });
});

test('auditStepMs: 1 s up to 2 h, then 7200 buckets in whole seconds', () => {
  const h = 3600_000;
  assert.equal(auditStepMs({ fromMs: 0, toMs: 2 * h }), 1000);
  assert.equal(auditStepMs({ fromMs: 0, toMs: 2 * h + 1 }), 2000);
  assert.equal(auditStepMs({ fromMs: 0, toMs: 24 * h }), 12_000);
});

test('audit samples are capped at 3000 with a share per kind; the rest are counted', async (t) => {
  const line = (i: number, code: number): string =>
    `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"${i}","stage":"ResponseComplete","requestURI":"/api","verb":"get","userAgent":"ua","responseStatus":{"metadata":{},"code":${code}},"requestReceivedTimestamp":"2026-11-28T02:01:00.000000Z","stageTimestamp":"2026-11-28T02:01:00.001000Z"}`;
  const lines = [...Array.from({ length: 2000 }, (_, i) => line(i, 429)), ...Array.from({ length: 2000 }, (_, i) => line(i, 503))];
  const set = await readFiles(t, { 'audit.log': lines.join('\n') });
  const a = set.audit[0];
  assert.ok(a);
  assert.equal(a.samples.length, 3000);
  assert.equal(a.samples.filter((s) => s.code === 429).length, 1500);
  assert.equal(a.samples.filter((s) => s.code === 503).length, 1500);
  assert.equal(a.samplesDropped, 1000);
  assert.deepEqual(a.topUserAgents, [{ userAgent: 'ua', requests: 4000, errors: 2000, throttled: 2000, firstMs: utc('2026-11-28T02:01:00.001Z') }]);
});
