import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hintsFromPath } from '../../../../server/sources/files/path-hints.js';
import { sniffFormat } from '../../../../server/sources/files/sniff-format.js';
import { readFiles } from './helpers.js';

const AUDIT = '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api","verb":"get","stageTimestamp":"2026-11-28T02:00:00Z"}';

test('sniffFormat: content decides, the name only hints', () => {
  const rows: [string, string, string, string][] = [
    [AUDIT, 'x.log', 'kube-audit', 'audit JSON lines'],
    ['{"level":"info","ts":"2026-11-28T02:00:00Z","caller":"mvcc/index.go:214","msg":"compact"}', 'x.log', 'etcd-zap-json', 'etcd callers without a name hint'],
    ['{"level":"info","ts":"2026-11-28T02:00:00Z","caller":"app/main.go:1","msg":"hi"}', 'etcd-cp-1.log', 'etcd-zap-json', 'the name says etcd'],
    ['{"ts":1795831200000.5,"caller":"x.go:1","msg":"hi","v":0}', 'kube-scheduler.log', 'json-log', 'Kubernetes JSON logs'],
    ['{"log":"I1128 02:00:00.000000 1 a.go:1] x\\n","stream":"stderr","time":"2026-11-28T02:00:00Z"}', 'x.log', 'docker-json', 'Docker json-file'],
    ['2026-11-28T02:00:00.1Z stderr F I1128 02:00:00.000000       1 a.go:1] x', 'x.log', 'cri', 'CRI'],
    ['I1128 02:00:00.000000       1 a.go:1] x\nTrace[1]: step\nTrace[1]: END', 'x.log', 'klog', 'klog, continuations do not count against it'],
    ['Nov 28 02:00:00 node-1 kubelet[1]: I1128 02:00:00.000000 1 a.go:1] x', 'x.log', 'journald', 'journald short'],
    ['-- Boot 1a2b --\nNov 28 02:00:00 node-1 kernel: oom', 'x.log', 'journald', 'journal markers are neutral'],
    ['2018-03-05 10:00:00.123456 W | etcdserver: slow', 'x.log', 'etcd-text', 'etcd 3.4 text'],
    ['[pod/coredns-a-b/coredns] 2026-11-28T02:00:00Z [INFO] x', 'x.log', 'kubectl-logs', 'kubectl logs --prefix'],
    ['[ERROR] plugin/errors: 2 example.com. A: i/o timeout', 'x.log', 'coredns', 'plain CoreDNS'],
    ['2026-11-28T02:00:00.5Z I1128 02:00:00.000000       1 a.go:1] x', 'x.log', 'kubectl-logs', 'kubectl logs --timestamps of a klog container'],
    ['Linux 6.1.0 (cp-1) \t11/28/26 \t_x86_64_\t(8 CPU)\n\n11/28/26 02:00:00', 'x.txt', 'iostat', 'iostat header'],
    ['LAST SEEN   TYPE      REASON   OBJECT      MESSAGE\n45s   Normal   Pulled   pod/a   ok', 'x.txt', 'k8s-events-table', 'events table'],
    ['# TYPE up gauge\nup{instance="a"} 1 1795831200000', 'x.prom', 'openmetrics', 'metrics text (named at the end of the read)'],
    ['{\n  "apiVersion": "v1",\n  "items": [\n    {\n      "involvedObject": {}', 'x.json', 'k8s-events-json', 'pretty events list'],
    ['{"status":"success","data":{"resultType":"matrix","result":[]}}', 'x.json', 'prometheus-query-range', 'compact query_range'],
    ['[Sat Nov 28 03:05:00 2026] Out of memory', 'x.txt', 'dmesg', 'dmesg -T'],
    ['hello world\nthis is prose', 'x.log', 'unknown', 'prose'],
    ['', 'x.log', 'empty', 'empty'],
  ];
  for (const [head, name, format, why] of rows) assert.equal(sniffFormat(head, false, hintsFromPath(name)).format, format, why);
});

test('sniffFormat: an audit line bigger than the head (a RequestResponse body with an EventList) stays audit', () => {
  const huge = `${AUDIT.slice(0, -1)},"responseObject":{"kind":"EventList","items":[{"involvedObject":{"kind":"Pod"},"message":"${'x'.repeat(70_000)}"}]}}`;
  assert.equal(sniffFormat(huge.slice(0, 64 * 1024), true, {}).format, 'kube-audit');
});

test('hintsFromPath: component, host, pod', () => {
  const hex = 'ab'.repeat(32);
  const rows: [string, object][] = [
    ['logs/etcd-cp-2.log', { component: 'etcd', host: 'cp-2' }],
    ['logs/kube-apiserver.log', { component: 'kube-apiserver' }],
    ['logs/kube-apiserver-cp-1.log.gz', { component: 'kube-apiserver', host: 'cp-1' }],
    ['logs/kubelet-worker-1.log', { component: 'kubelet', host: 'worker-1' }],
    ['logs/etcd-3.4.log', { component: 'etcd' }],
    [`var/log/containers/etcd-cp-1_kube-system_etcd-${hex}.log`, { pod: 'etcd-cp-1', component: 'etcd', host: 'cp-1' }],
    ['var/log/pods/kube-system_kube-scheduler-cp-3_0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/kube-scheduler/0.log', { pod: 'kube-scheduler-cp-3', component: 'kube-scheduler', host: 'cp-3' }],
    ['logs/coredns-5d78c9869d-abcde.log', { component: 'coredns', pod: 'coredns-5d78c9869d-abcde' }],
    ['iostat/cp-1.txt', {}],
  ];
  for (const [p, want] of rows) assert.deepEqual(hintsFromPath(p), want, p);
});

test('a file whose first line is over 64 KiB is still recognised and read', async (t) => {
  const big = `${AUDIT.slice(0, -1)},"annotations":{"note":"${'y'.repeat(100_000)}"}}`;
  const set = await readFiles(t, { 'audit/audit.log': `${big}\n${AUDIT}\n` });
  assert.deepEqual([set.sources[0]?.format, set.sources[0]?.records, set.sources[0]?.badLines], ['kube-audit', 2, 0]);
});
