import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLogLine } from '../../../../server/sources/files/parse-json-log.js';
import { iso, readFiles, readFixture } from './helpers.js';

test('parseJsonLogLine: zap (etcd), Kubernetes JSON (ts in ms), bad input', () => {
  const zap = parseJsonLogLine('{"level":"warn","ts":"2026-11-28T02:34:54.12345Z","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"128ms","n":3,"nested":{"a":[1]},"nil":null}');
  assert.ok(zap.ok);
  assert.equal(iso(zap.value.atMs ?? 0), '2026-11-28T02:34:54.123Z');
  assert.equal(zap.value.severity, 'warn');
  assert.deepEqual(zap.value.fields, { caller: 'etcdserver/util.go:170', took: '128ms', n: 3, nested: '{"a":[1]}' });
  const k8s = parseJsonLogLine('{"ts":1795831200000.123,"caller":"app/server.go:1","msg":"Starting","v":0}');
  assert.ok(k8s.ok);
  assert.equal(k8s.value.atMs, 1795831200000);
  assert.equal(k8s.value.severity, 'info');
  const k8sErr = parseJsonLogLine('{"ts":1795831200000,"caller":"x.go:1","msg":"failed","err":"boom"}');
  assert.ok(k8sErr.ok);
  assert.equal(k8sErr.value.severity, 'error', 'Kubernetes JSON errors carry "err" and no "v"');
  const seconds = parseJsonLogLine('{"level":"info","ts":1795831200.5,"msg":"zap epoch seconds"}');
  assert.ok(seconds.ok);
  assert.equal(seconds.value.atMs, 1795831200500);
  const rows: [string, string][] = [
    ['{"level":"info","ts":"2026-11-28T02:05:00Z","msg":"trunc', 'invalid JSON'],
    ['[1,2]', 'invalid JSON'],
    ['{"foo":1}', 'JSON line without "msg" or "ts"'],
    ['{"ts":"tuesday","msg":"x"}', 'invalid timestamp "tuesday"'],
  ];
  for (const [line, reason] of rows) assert.deepEqual(parseJsonLogLine(line), { ok: false, reason }, line);
});

test('etcd 3.5 zap file: host from the file name, nested fields, bad lines', async (t) => {
  const { set, report } = await readFixture(t, 'etcd/etcd-cp-2.log');
  assert.equal(report.format, 'etcd-zap-json');
  assert.deepEqual([report.lines, report.records, report.badLines], [5, 4, 1]);
  assert.deepEqual(report.badSamples, [{ file: 'etcd/etcd-cp-2.log', line: 5, reason: 'invalid JSON', excerpt: '{"level":"info","ts":"2026-11-28T02:05:00Z","msg":"trunc' }]);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component, l.host, l.severity, l.message]), [
    ['2026-11-28T02:01:00.123Z', 'etcd', 'cp-2', 'info', 'compact tree index'],
    ['2026-11-28T02:02:00.000Z', 'etcd', 'cp-2', 'warn', 'apply request took too long'],
    ['2026-11-28T02:03:01.000Z', 'etcd', 'cp-2', 'warn', 'slow fdatasync'],
    ['2026-11-28T02:04:00.500Z', 'etcd', 'cp-2', 'error', 'lost leader'],
  ]);
  assert.deepEqual(set.logs[1]?.fields, { caller: 'etcdserver/util.go:170', took: '128.349488ms', 'expected-duration': '100ms', request: '{"key":"/registry/leases"}', ok: true });
  assert.equal(set.logs[0]?.raw, '{"level":"info","ts":"2026-11-28T02:01:00.12345Z","caller":"mvcc/index.go:214","msg":"compact tree index","revision":64046374}');
});

test('etcd before 3.5: plain text, UTC', async (t) => {
  const { set, report } = await readFixture(t, 'etcd/etcd-3.4.log');
  assert.equal(report.format, 'etcd-text');
  assert.equal(report.badLines, 0);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.severity, l.fields.pkg, l.host]), [
    ['2026-11-28T02:01:00.123Z', 'info', 'etcdserver', undefined],
    ['2026-11-28T02:02:00.500Z', 'warn', 'etcdserver', undefined],
    ['2026-11-28T02:03:00.000Z', 'error', 'rafthttp', undefined],
    ['2026-11-28T02:04:00.000Z', 'fatal', 'etcdmain', undefined],
  ]);
});

test('Kubernetes JSON logs of a component: json-log with the component from the name', async (t) => {
  const set = await readFiles(t, {
    'logs/kube-scheduler.log': '{"ts":1795831500000.5,"caller":"schedule_one.go:286","msg":"Successfully bound pod to node","pod":{"name":"web-1","namespace":"shop"},"node":"worker-2","v":2}\n',
  });
  assert.equal(set.sources[0]?.format, 'json-log');
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component, l.severity, l.fields.pod]), [
    ['2026-11-28T02:05:00.001Z', 'kube-scheduler', 'debug', '{"name":"web-1","namespace":"shop"}'],
  ]);
});
