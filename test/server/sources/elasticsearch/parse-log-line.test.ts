// Shipped log lines read as the file source reads them. One row per format or edge case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogLine } from '../../../../server/sources/elasticsearch/index.js';

test('parseLogLine', () => {
  const rows: [string, string, Partial<ReturnType<typeof parseLogLine>>][] = [
    ['zap JSON: level, msg, fields', '{"level":"warn","ts":"2026-05-09T22:32:01.1Z","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"1.2s"}', { format: 'json', severity: 'warn', message: 'apply request took too long', fields: { caller: 'etcdserver/util.go:170', took: '1.2s' } }],
    ['klog with a quoted message and key=value pairs', 'E0509 22:32:05.123456       1 leaderelection.go:369] "Failed to update lock" err="etcdserver: request timed out" lease="kube-system/kube-scheduler"', { format: 'klog', severity: 'error', message: 'Failed to update lock', fields: { err: 'etcdserver: request timed out', lease: 'kube-system/kube-scheduler', caller: 'leaderelection.go:369' } }],
    ['klog with a plain message keeps it whole', 'W0509 22:32:05.123456 1 reflector.go:535] watch of *v1.Pod ended with: too old resource version', { format: 'klog', severity: 'warn', message: 'watch of *v1.Pod ended with: too old resource version' }],
    ['CoreDNS', '[ERROR] plugin/errors: 2 hooks.slack.com. AAAA: read udp 10.244.5.3:47742->10.0.0.2:53: i/o timeout', { format: 'coredns', severity: 'error' }],
    ['broken JSON falls back to text', '{"level":"warn",', { format: 'text', severity: 'info', message: '{"level":"warn",' }],
    ['free text', 'starting the server', { format: 'text', severity: 'info', message: 'starting the server', fields: {} }],
  ];
  for (const [why, line, want] of rows) {
    const got = parseLogLine(line);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, `${why}: ${k}`);
  }
});
