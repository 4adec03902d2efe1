// classifyLog on real lines of each component (messages as etcd 3.5, klog and kubelet write them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyLog, parseGoDurationMs, type LogRecord, type Component } from '../../../correlators/signals/index.js';

function rec(component: Component, message: string, fields: LogRecord['fields'] = {}): LogRecord {
  return { atMs: 0, sourceId: 'f', component, severity: 'warn', message, fields, file: 'f', line: 1, raw: message };
}

const CASES: { why: string; r: LogRecord; key: string | undefined; valueMs?: number }[] = [
  { why: 'etcd 3.5 slow fdatasync with its took field', r: rec('etcd', 'slow fdatasync', { took: '1.328516s', 'expected-duration': '1s' }), key: 'etcd-wal-fsync-slow', valueMs: 1328.516 },
  { why: 'etcd 3.4 text form states the duration in the message', r: rec('etcd', 'sync duration of 1.5s, expected less than 1s'), key: 'etcd-wal-fsync-slow' },
  { why: 'apply too long is a slow request', r: rec('etcd', 'apply request took too long', { took: '312.5ms' }), key: 'etcd-request-slow', valueMs: 312.5 },
  { why: 'apply refused for lack of space is the quota, not slowness', r: rec('etcd', 'apply request took too long', { took: '5ms', error: 'etcdserver: no space' }), key: 'etcd-db-space-exceeded' },
  { why: 'late heartbeat is a clue, not a symptom', r: rec('etcd', 'leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk', { 'exceeded-duration': '453ms' }), key: 'etcd-heartbeat-late', valueMs: 453 },
  { why: 'raft election line', r: rec('etcd', 'raft.node: 8e9e05c52164694d elected leader 8e9e05c52164694d at term 5'), key: 'etcd-leader-election' },
  { why: 'prober clock drift', r: rec('etcd', 'prober found high clock drift', { 'clock-drift': '2.1s', 'remote-peer-id': 'abc' }), key: 'etcd-clock-drift', valueMs: 2100 },
  { why: 'broken peer stream', r: rec('etcd', 'lost TCP streaming connection with remote peer', { 'remote-peer-id': 'abc' }), key: 'etcd-peer-rtt-high' },
  { why: 'NOSPACE alarm', r: rec('etcd', 'alarm raised', { alarm: 'NOSPACE' }), key: 'etcd-db-space-exceeded' },
  { why: 'routine info line says nothing', r: rec('etcd', 'compact tree index', { revision: 5 }), key: undefined },
  { why: 'apiserver etcd timeout', r: rec('kube-apiserver', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out'), key: 'apiserver-errors' },
  { why: 'webhook failure', r: rec('kube-apiserver', 'Failed calling webhook, failing closed policy.example.com: failed calling webhook "policy.example.com": context deadline exceeded'), key: 'admission-webhook-slow' },
  { why: 'a fast trace is not latency', r: rec('kube-apiserver', 'Trace[1]: "List" url:/api/v1/pods,verb:LIST (09-May-2026 22:17:20.484) (total time: 120ms):'), key: undefined },
  { why: 'a slow trace is', r: rec('kube-apiserver', 'Trace[1]: "List" url:/api/v1/pods,verb:LIST (09-May-2026 22:17:20.484) (total time: 1390ms):'), key: 'apiserver-latency-high', valueMs: 1390 },
  { why: 'lease renewal failure', r: rec('kube-controller-manager', 'failed to renew lease kube-system/kube-controller-manager: timed out waiting for the condition'), key: 'controller-lease-lost' },
  { why: 'client-side throttling with its wait', r: rec('kube-scheduler', 'Waited for 1.587s due to client-side throttling, not priority and fairness, request: POST:https://10.0.0.11:6443/api/v1/namespaces/batch/pods/x/binding'), key: 'client-throttling', valueMs: 1587 },
  { why: 'kubelet eviction', r: rec('kubelet', '"Eviction manager: pod is evicted successfully" pod="shop/cart-1"', { pod: 'shop/cart-1' }), key: 'pod-evicted' },
  { why: 'kernel system OOM', r: rec('kernel', 'Out of memory: Killed process 4242 (java) total-vm:8000000kB'), key: 'oom-kill-system' },
  { why: 'kernel cgroup OOM is container-level', r: rec('kernel', 'Memory cgroup out of memory: Killed process 4242 (java) total-vm:8000000kB'), key: 'oom-kill-cgroup' },
  { why: 'CoreDNS upstream timeout', r: rec('coredns', '[ERROR] plugin/errors: 2 example.com. A: read udp 10.244.1.3:40000->10.0.0.2:53: i/o timeout'), key: 'dns-failures' },
  { why: 'NodeNotReady Event', r: rec('events', 'Node cp-1 status is now: NodeNotReady', { reason: 'NodeNotReady', objectKind: 'Node', objectName: 'cp-1' }), key: 'node-not-ready' },
  { why: 'image pull failure Event', r: rec('events', 'Failed to pull image "registry.example.com/app:1.2": rpc error', { reason: 'Failed', objectKind: 'Pod', objectName: 'app-1' }), key: 'image-pull-backoff' },
  { why: 'IPAM sandbox failure Event', r: rec('events', 'Failed to create pod sandbox: plugin type="host-local" failed (add): failed to allocate for range 0: no IP addresses available in range set', { reason: 'FailedCreatePodSandBox', objectKind: 'Pod', objectName: 'p' }), key: 'ipam-exhaustion' },
];

for (const c of CASES) {
  test(`classifyLog: ${c.why}`, () => {
    const f = classifyLog(c.r);
    assert.equal(f?.key, c.key);
    if (c.valueMs !== undefined) assert.ok(Math.abs((f?.valueMs ?? NaN) - c.valueMs) < 1e-6, `valueMs ${f?.valueMs}`);
  });
}

test('parseGoDurationMs reads Go durations and refuses anything else', () => {
  assert.equal(parseGoDurationMs('1m2.5s'), 62500);
  assert.ok(Math.abs(parseGoDurationMs('350µs')! - 0.35) < 1e-9);
  assert.equal(parseGoDurationMs('7s'), 7000);
  assert.equal(parseGoDurationMs('-2s'), -2000);
  assert.equal(parseGoDurationMs('2 s'), undefined);
  assert.equal(parseGoDurationMs('abc'), undefined);
  assert.equal(parseGoDurationMs(''), undefined);
});
