import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKlogHeader } from '../../../../server/sources/files/parse-klog.js';
import { parseKlogMessage } from '../../../../server/sources/files/parse-klog-fields.js';
import { iso, readFiles, readFixture, utc } from './helpers.js';

test('parseKlogMessage: structured messages, Go-quoted values, free text', () => {
  const rows: [string, string, Record<string, string | number | boolean>, string][] = [
    ['"Successfully bound pod to node" pod="shop/web-1" node="worker-2" evaluatedNodes=7 feasibleNodes=4', 'Successfully bound pod to node',
      { pod: 'shop/web-1', node: 'worker-2', evaluatedNodes: 7, feasibleNodes: 4 }, 'InfoS: numbers stay numbers'],
    ['"Pod status updated" pod="kube-system/etcd-cp-3" status="Running"', 'Pod status updated', { pod: 'kube-system/etcd-cp-3', status: 'Running' }, 'quoted values'],
    ['"x" err="failed to patch \\"status\\": a\\\\b\\n" ok=true', 'x', { err: 'failed to patch "status": a\\b\n', ok: true }, 'escapes unquoted'],
    ['"SyncLoop ADD" source="api" pods=["shop/db-backup-2c99j"]', 'SyncLoop ADD', { source: 'api', pods: '["shop/db-backup-2c99j"]' }, 'a slice value kept as text'],
    ['"caf\\u00e9 \\x41"', 'café A', {}, '\\u and \\x escapes'],
    ['Failed to update lock: etcdserver: request timed out', 'Failed to update lock: etcdserver: request timed out', {}, 'free text without pairs'],
    ['Resetting endpoints for master service "kubernetes" to [10.0.0.1] count=2', 'Resetting endpoints for master service "kubernetes" to [10.0.0.1] count=2', { count: 2 }, 'pairs in free text are extracted, the text stays'],
  ];
  for (const [input, message, fields, why] of rows) assert.deepEqual(parseKlogMessage(input), { message, fields }, why);
});

test('parseKlogHeader: severity letters, fractions, malformed headers', () => {
  const h = parseKlogHeader('E1128 02:34:54.123456       1 file.go:123] msg');
  assert.ok(h?.ok);
  assert.equal(h.value.severity, 'error');
  assert.deepEqual([h.value.month, h.value.day, h.value.hour, h.value.minute, h.value.second, h.value.fracMs], [11, 28, 2, 34, 54, 123]);
  assert.equal(h.value.caller, 'file.go:123');
  assert.equal(h.value.rest, 'msg');
  assert.deepEqual(parseKlogHeader('E1328 02:34:54.123456       1 file.go:123] msg'), { ok: false, reason: 'invalid klog date 1328' });
  assert.deepEqual(parseKlogHeader('I1128 02:34'), { ok: false, reason: 'malformed klog header' });
  assert.equal(parseKlogHeader('Trace[1]: END'), undefined);
});

test('klog file: records, Trace continuation lines, JSON lines, bad lines', async (t) => {
  const { set, report } = await readFixture(t, 'klog/kube-apiserver.log');
  assert.equal(report.format, 'klog');
  assert.equal(report.lines, 10);
  assert.equal(report.records, 6);
  assert.equal(report.zone, 'UTC');
  assert.equal(report.zoneReason, 'UTC: timestamps fit the analysis window');
  // the Trace lines belong to the record before them: not bad lines
  assert.deepEqual(report.badSamples, [
    { file: 'klog/kube-apiserver.log', line: 8, reason: 'invalid klog date 1328', excerpt: 'E1328 02:09:00.000000       1 status.go:71] bad month' },
    { file: 'klog/kube-apiserver.log', line: 9, reason: 'invalid JSON', excerpt: '{"level":"warn","ts":"2026-11-28T02:10:00Z","msg":"truncated' },
  ]);
  assert.equal(report.status, 'degraded');
  const [first, second, trace, err, json, fatal] = set.logs;
  assert.ok(first && second && trace && err && json && fatal);
  assert.equal(iso(first.atMs), '2026-11-28T02:05:00.123Z');
  assert.equal(first.component, 'kube-apiserver');
  assert.equal(first.severity, 'info');
  assert.equal(iso(second.atMs), '2026-11-28T02:06:01.500Z');
  assert.equal(second.severity, 'warn');
  assert.equal(trace.line, 3);
  assert.match(trace.message, /^Trace\[918309299\]: "Update" .*\nTrace\[918309299\]: ---"Txn call completed" 6999ms \(02:07:11.999\)\nTrace\[918309299\]: \[7.000123456s\] \[7.000123456s\] END$/);
  assert.deepEqual(err.fields, { err: 'etcdserver: request timed out', logger: 'UnhandledError', count: 3, ok: true, caller: 'status.go:71' });
  assert.equal(err.message, 'Unhandled Error');
  assert.equal(json.message, 'retrying of unary invoker failed');
  assert.equal(json.severity, 'warn');
  assert.equal(json.component, 'kube-apiserver', 'the etcd client inside kube-apiserver logs for kube-apiserver');
  assert.equal(iso(json.atMs), '2026-11-28T02:08:01.250Z');
  assert.equal(fatal.severity, 'fatal');
  assert.equal(fatal.fields.reason, 'a "quoted" value\nsecond');
});

test('klog: the year comes from the window, also across New Year', async (t) => {
  const newYear = { fromMs: utc('2026-12-31T23:50:00Z'), toMs: utc('2027-01-01T00:20:00Z') };
  const set = await readFiles(t, {
    'kube-scheduler.log': [
      'I1231 23:55:00.000000       1 a.go:1] before midnight',
      'I0101 00:05:00.000000       1 a.go:1] after midnight',
    ].join('\n'),
  }, newYear);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component]), [
    ['2026-12-31T23:55:00.000Z', 'kube-scheduler'],
    ['2027-01-01T00:05:00.000Z', 'kube-scheduler'],
  ]);
});

test('klog: a file in local time gets its zone inferred; --tz overrides', async (t) => {
  const lines = ['I1128 03:05:00.000000       1 a.go:1] one', 'I1128 03:15:00.000000       1 a.go:1] two'].join('\n');
  const inferred = await readFiles(t, { 'kube-controller-manager.log': lines });
  assert.equal(inferred.sources[0]?.zone, 'UTC+01:00');
  assert.equal(iso(inferred.logs[0]?.atMs ?? 0), '2026-11-28T02:05:00.000Z');
  const given = await readFiles(t, { 'kube-controller-manager.log': lines }, undefined, { tz: 'UTC' });
  assert.equal(given.sources[0]?.zone, 'UTC');
  assert.equal(given.sources[0]?.zoneReason, 'given by --tz');
  // read as UTC the lines fall after the kept range: only the report's span shows them
  assert.equal(given.logs.length, 0);
  assert.equal(iso(given.sources[0]?.firstMs ?? 0), '2026-11-28T03:05:00.000Z');
});

test('klog: a continuation line with no record before it is bad', async (t) => {
  const set = await readFiles(t, { 'kube-apiserver.log': ['Trace[7]: orphan', 'I1128 02:05:00.000000       1 a.go:1] ok', ...Array(120).fill('I1128 02:05:00.000000       1 a.go:1] more')].join('\n') });
  assert.deepEqual(set.sources[0]?.badSamples.map((b) => [b.line, b.reason]), [[1, 'not a klog line']]);
  assert.equal(set.sources[0]?.status, 'ok', 'one bad line in 122 stays under 1 %');
});
