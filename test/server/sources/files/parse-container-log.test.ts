import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iso, readFiles, readFixture } from './helpers.js';

const HEX = '0123456789abcdef'.repeat(4);

test('CRI: partial lines joined, inner zap time, wrapper time for klog, pod name hints', async (t) => {
  const { set, report } = await readFixture(t, `containers/etcd-cp-1_kube-system_etcd-${HEX}.log`);
  assert.equal(report.format, 'cri');
  assert.deepEqual([report.lines, report.records, report.badLines], [5, 3, 1]);
  assert.deepEqual(report.badSamples.map((b) => [b.line, b.reason, b.excerpt]), [[5, 'not a CRI log line', 'not a cri line']]);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component, l.host, l.line, l.message]), [
    // the zap time inside, not the runtime's 02:05:00.123
    ['2026-11-28T02:05:00.120Z', 'etcd', 'cp-1', 1, 'apply request took too long'],
    // `P` then `F`: one line, numbered where it starts
    ['2026-11-28T02:05:01.000Z', 'etcd', 'cp-1', 2, 'compact tree index'],
    // klog has no year: the runtime's time
    ['2026-11-28T02:05:02.500Z', 'etcd', 'cp-1', 4, 'plain klog inside CRI'],
  ]);
  assert.equal(set.logs[1]?.fields.revision, 64046374);
  assert.equal(set.logs[2]?.fields.stream, 'stdout');
});

test('Docker json-file: entries without a newline are joined, klog inside', async (t) => {
  const { set, report } = await readFixture(t, `containers/kube-scheduler-cp-1_kube-system_kube-scheduler-${HEX}.log`);
  assert.equal(report.format, 'docker-json');
  assert.deepEqual(report.badSamples.map((b) => [b.line, b.reason]), [[4, 'invalid JSON']]);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component, l.host, l.severity, l.message]), [
    ['2026-11-28T02:06:00.000Z', 'kube-scheduler', 'cp-1', 'info', 'Successfully bound pod to node'],
    ['2026-11-28T02:06:01.000Z', 'kube-scheduler', 'cp-1', 'error', 'Failed to update lock: etcdserver: request timed out'],
  ]);
  assert.deepEqual(set.logs[0]?.fields, { stream: 'stderr', pod: 'shop/web-1', node: 'worker-2', caller: 'schedule_one.go:286' });
});

test('CRI: a Trace continuation arrives as its own entry and joins its record', async (t) => {
  const set = await readFiles(t, {
    [`kube-apiserver-cp-2_kube-system_kube-apiserver-${HEX}.log`]: [
      '2026-11-28T02:07:12.000000000Z stderr F I1128 02:07:12.000000       1 trace.go:236] Trace[5]: "Update" (total time: 7000ms):',
      '2026-11-28T02:07:12.000000100Z stderr F Trace[5]: [7.0s] [7.0s] END',
    ].join('\n'),
  });
  assert.equal(set.logs.length, 1);
  assert.equal(set.logs[0]?.message, 'Trace[5]: "Update" (total time: 7000ms):\nTrace[5]: [7.0s] [7.0s] END');
  assert.deepEqual([set.logs[0]?.component, set.logs[0]?.host], ['kube-apiserver', 'cp-2']);
});

test('kubectl logs --timestamps --prefix: CoreDNS lines, host = pod name', async (t) => {
  const { set, report } = await readFixture(t, 'coredns/coredns.log');
  assert.equal(report.format, 'kubectl-logs');
  assert.equal(report.badLines, 0);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component, l.host, l.severity]), [
    ['2026-11-28T02:05:17.607Z', 'coredns', 'coredns-5d78c9869d-abcde', 'info'],
    ['2026-11-28T02:05:18.000Z', 'coredns', 'coredns-5d78c9869d-abcde', 'error'],
    ['2026-11-28T02:05:19.500Z', 'coredns', 'coredns-5d78c9869d-fghij', 'warn'],
    ['2026-11-28T02:05:20.000Z', 'coredns', 'coredns-5d78c9869d-fghij', 'info'],
  ]);
  assert.deepEqual(set.logs[0]?.fields, { client: '10.244.0.5:38867', qtype: 'A', qname: 'web.shop.svc.cluster.local.', rcode: 'NOERROR', durationS: 0.000142, pod: 'coredns-5d78c9869d-abcde' });
  assert.equal(set.logs[1]?.message, 'plugin/errors: 2 example.com. A: read udp 10.244.0.5:45221->8.8.8.8:53: i/o timeout');
  assert.equal(set.logs[1]?.fields.plugin, 'errors');
});

test('plain CoreDNS lines: with a timestamp, and without (they take the last time seen)', async (t) => {
  const set = await readFiles(t, {
    'coredns-5d78c9869d-abcde.log': [
      '[INFO] plugin/reload: Running configuration SHA512 = 1b2c',
      '2026-11-28T02:05:00.5Z [ERROR] plugin/errors: 2 example.com. A: i/o timeout',
      '[WARNING] plugin/health: Local health request to "http://:8080/health" took more than 1s: 1.2s',
    ].join('\n'),
  });
  assert.equal(set.sources[0]?.format, 'coredns');
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.severity, l.component, l.host]), [
    ['2026-11-28T02:05:00.500Z', 'error', 'coredns', 'coredns-5d78c9869d-abcde'],
    ['2026-11-28T02:05:00.500Z', 'warn', 'coredns', 'coredns-5d78c9869d-abcde'],
  ]);
  assert.deepEqual(set.sources[0]?.limits, ['1 line without a timestamp was skipped (use kubectl logs --timestamps)']);
});
