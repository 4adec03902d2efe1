// One row per mechanism: a small bundle in the real formats, read by the file source, analysed,
// and the answer checked (cause, culprit, onset, the chain's first link). Then the cases that
// must NOT be called incidents, and the confounders a mechanism must see through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../../server/sources/files/index.js';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import { BundleWriter, WINDOW, at } from '../../helpers/bundle-writer.js';

const HOSTS = ['cp-1', 'cp-2', 'cp-3'];
const ID: Record<string, string> = { 'cp-1': '8e9e05c52164694d', 'cp-2': '91bc3c398fb3c146', 'cp-3': 'fd422379fda50e48' };

async function analyse(b: BundleWriter): Promise<Report> {
  const dir = b.write();
  try {
    const signals = await readBundle(dir, WINDOW);
    return analyzeSignals(signals, { nowMs: WINDOW.toMs });
  } finally {
    b.cleanup();
  }
}

/** A healthy background every fixture shares: quiet etcd members, normal disks, routine lines. */
function background(b: BundleWriter, opts: { iostat?: boolean } = {}) {
  for (const h of HOSTS) {
    b.etcd(h, at(60), 'info', 'compact tree index', { revision: 100 });
    b.etcd(h, at(62), 'info', 'finished scheduled compaction', { 'compact-revision': 100, took: '12.3ms' });
    if (opts.iostat !== false) b.iostat(h, 0, 1800, () => ({ util: 8, wAwait: 1.2, idle: 78 }));
  }
  b.klog('kube-controller-manager', at(30), 'I', '"syncing garbage collector with updated resources from discovery" attempt=1');
  b.kubelet('worker-1', at(40), 'I', '"Pod status updated" pod="kube-system/kube-proxy-x" status="Running"');
}

function expectAnswer(r: Report, cause: string, host: string | undefined, onsetSec: number, firstLink: string) {
  assert.equal(r.verdict, 'incident', r.summary);
  assert.equal(r.hypotheses[0]!.cause, cause, `ranked: ${r.hypotheses.map((h) => `${h.cause}:${h.scores['ranked']}`).join(', ')}`);
  if (host) assert.equal(r.hypotheses[0]!.culprit?.host, host);
  assert.ok(r.onset, 'an onset');
  const err = Math.abs(Date.parse(r.onset!) - at(onsetSec)) / 1000;
  assert.ok(err <= 15, `onset ${r.onset} is ${err} s from the truth`);
  assert.equal(r.chain[0]?.symptom, firstLink);
  assert.ok(r.hypotheses[0]!.evidenceFor.length > 0, 'evidence for');
  assert.ok(r.hypotheses[0]!.evidenceFor.some((e) => e.ref?.file || e.ref?.series), 'evidence points at a line or a series');
}

test('etcd-disk-latency: saturated disk on cp-2, slow fdatasync, local apiserver times out', async () => {
  const b = new BundleWriter();
  background(b, { iostat: false });
  for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-2' && s >= 600 && s < 1000 ? { util: 99.5, wAwait: 420, idle: 40, iowait: 30 } : { util: 8, wAwait: 1.2, idle: 78 }));
  for (let s = 603; s < 990; s += 11) b.etcd('cp-2', at(s), 'warn', 'slow fdatasync', { took: '1.41s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  for (let s = 606; s < 990; s += 17) b.etcd('cp-2', at(s), 'warn', 'apply request took too long', { took: '2.3s', 'expected-duration': '100ms' });
  for (let s = 612; s < 640; s += 3) b.etcd('cp-2', at(s), 'warn', 'leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk', { to: ID['cp-1'], 'exceeded-duration': '612ms' });
  b.etcd('cp-1', at(641), 'info', `raft.node: ${ID['cp-1']} elected leader ${ID['cp-1']} at term 8`);
  b.etcd('cp-3', at(641), 'info', `raft.node: ${ID['cp-3']} elected leader ${ID['cp-1']} at term 8`);
  for (let s = 615; s < 990; s += 9) b.klog('kube-apiserver', at(s), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out', 'status.go:71');
  b.event(at(690), 'NodeNotReady', 'Node cp-2 status is now: NodeNotReady', { kind: 'Node', name: 'cp-2' }, { component: 'node-controller', type: 'Normal' });
  const r = await analyse(b);
  expectAnswer(r, 'etcd-disk-latency', 'cp-2', 600, 'node-disk-saturation');
  const symptoms = r.chain.map((l) => l.symptom);
  for (const s of ['etcd-wal-fsync-slow', 'etcd-request-slow', 'apiserver-errors', 'etcd-leader-election']) assert.ok(symptoms.includes(s as never), `chain has ${s}: ${symptoms}`);
});

test('cpu-starvation: no idle CPU on cp-1 while its disk is healthy', async () => {
  const b = new BundleWriter();
  background(b, { iostat: false });
  for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-1' && s >= 500 && s < 1100 ? { util: 9, wAwait: 1.5, idle: 0.3 } : { util: 8, wAwait: 1.2, idle: 78 }));
  for (let s = 510; s < 1090; s += 13) b.etcd('cp-1', at(s), 'warn', 'apply request took too long', { took: '640ms', 'expected-duration': '100ms' });
  b.etcd('cp-1', at(700), 'warn', 'slow fdatasync', { took: '1.02s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  for (let s = 520; s < 1090; s += 20) b.klog('kube-apiserver', at(s), 'I', `Trace[${s}]: "Update" url:/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/w1,verb:PUT (20-Nov-2026 10:00:00.000) (total time: 2400ms):`, 'trace.go:236');
  for (let s = 530; s < 1090; s += 45) b.kubelet('cp-1', at(s), 'E', '"Housekeeping took longer than expected" err="housekeeping took too long" expected="1s" actual="3.2s"');
  const r = await analyse(b);
  expectAnswer(r, 'cpu-starvation', 'cp-1', 500, 'node-cpu-saturation');
  const disk = r.hypotheses.find((h) => h.cause === 'etcd-disk-latency');
  if (disk) assert.ok(disk.confidence < r.hypotheses[0]!.confidence);
});

test('etcd-network-latency: broken peer streams around cp-3, disks healthy', async () => {
  const b = new BundleWriter();
  background(b);
  for (const h of HOSTS) b.etcd(h, at(5), 'info', 'starting peer', { 'local-member-id': ID[h] });
  for (let s = 700; s < 1100; s += 23) {
    b.etcd('cp-3', at(s), 'warn', 'lost TCP streaming connection with remote peer', { 'local-member-id': ID['cp-3'], 'remote-peer-id': ID['cp-1'] }, 'rafthttp/stream.go:421');
    b.etcd('cp-1', at(s + 1), 'warn', 'peer became inactive (message send to peer failed)', { 'peer-id': ID['cp-3'] }, 'rafthttp/peer_status.go:66');
    b.etcd('cp-3', at(s + 5), 'warn', 'prober detected unhealthy status', { 'remote-peer-id': ID['cp-2'], rtt: '812ms' }, 'rafthttp/probing_status.go:68');
  }
  for (let s = 705; s < 1100; s += 30) b.etcd('cp-3', at(s), 'warn', 'waiting for ReadIndex response took too long, retrying', { 'retry-timeout': '500ms' });
  b.etcd('cp-1', at(760), 'info', `raft.node: ${ID['cp-1']} elected leader ${ID['cp-1']} at term 9`);
  for (let s = 720; s < 1100; s += 15) b.klog('kube-apiserver', at(s), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out, possibly due to connection lost"}', 'status.go:71');
  const r = await analyse(b);
  expectAnswer(r, 'etcd-network-latency', 'cp-3', 700, 'etcd-peer-rtt-high');
});

test('etcd-clock-skew: every peer reports drift against cp-1', async () => {
  const b = new BundleWriter();
  background(b);
  for (let s = 400; s < 1700; s += 30) {
    for (const o of ['cp-2', 'cp-3']) {
      b.etcd(o, at(s), 'warn', 'prober found high clock drift', { 'remote-peer-id': ID['cp-1'], 'clock-drift': '2.4s', rtt: '1.1ms' }, 'rafthttp/probing_status.go:82');
      b.etcd('cp-1', at(s), 'warn', 'prober found high clock drift', { 'remote-peer-id': ID[o], 'clock-drift': '2.4s', rtt: '1.1ms' }, 'rafthttp/probing_status.go:82');
    }
  }
  b.etcd('cp-1', at(380), 'info', 'starting peer', { 'local-member-id': ID['cp-1'] });
  b.etcd('cp-2', at(430), 'info', `raft.node: ${ID['cp-2']} elected leader ${ID['cp-2']} at term 4`);
  const r = await analyse(b);
  expectAnswer(r, 'etcd-clock-skew', 'cp-1', 400, 'etcd-clock-drift');
});

test('etcd-db-quota: NOSPACE alarm, writes refused', async () => {
  const b = new BundleWriter();
  background(b);
  b.etcd('cp-2', at(900), 'warn', 'message exceeded backend quota; raising alarm', { 'quota-size-bytes': 2147483648, error: 'etcdserver: no space' });
  for (const h of HOSTS) b.etcd(h, at(900.1), 'warn', 'alarm raised', { alarm: 'NOSPACE' }, 'etcdserver/apply.go:752');
  for (let s = 901; s < 1700; s += 7) b.klog('kube-apiserver', at(s), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0x8, desc:"etcdserver: mvcc: database space exceeded"}: etcdserver: mvcc: database space exceeded', 'status.go:71');
  b.klog('kube-controller-manager', at(903), 'E', 'Failed to update lock: etcdserver: mvcc: database space exceeded', 'leaderelection.go:369');
  const r = await analyse(b);
  expectAnswer(r, 'etcd-db-quota', undefined, 900, 'etcd-db-space-exceeded');
});

test('admission-webhook-latency: webhook calls time out, writes slow and rejected', async () => {
  const b = new BundleWriter();
  background(b);
  for (let s = 800; s < 1300; s += 6) b.klog('kube-apiserver', at(s), 'W', 'Failed calling webhook, failing closed policy.example.com: failed calling webhook "policy.example.com": failed to call webhook: Post "https://policy.svc:443/validate?timeout=10s": context deadline exceeded', 'dispatcher.go:225');
  for (let s = 810; s < 1300; s += 20) b.event(at(s), 'FailedCreate', 'Error creating: Internal error occurred: failed calling webhook "policy.example.com": context deadline exceeded', { kind: 'ReplicaSet', name: 'web-1', namespace: 'shop' }, { component: 'replicaset-controller' });
  const r = await analyse(b);
  expectAnswer(r, 'admission-webhook-latency', undefined, 800, 'admission-webhook-slow');
});

test('node-memory-pressure: MemoryPressure, OOM kill and evictions on worker-2', async () => {
  const b = new BundleWriter();
  background(b);
  b.event(at(1000), 'NodeHasInsufficientMemory', 'Node worker-2 status is now: NodeHasInsufficientMemory', { kind: 'Node', name: 'worker-2' }, { host: 'worker-2', type: 'Normal' });
  b.kernel('worker-2', at(995), 'Out of memory: Killed process 4242 (java) total-vm:8000000kB, anon-rss:4000000kB');
  for (let s = 1005; s < 1100; s += 15) {
    b.event(at(s), 'Evicted', 'The node was low on resource: memory.', { kind: 'Pod', name: `cart-${s}`, namespace: 'shop' }, { host: 'worker-2' });
    b.kubelet('worker-2', at(s), 'I', `"Eviction manager: pod is evicted successfully" pod="shop/cart-${s}"`, 'eviction_manager.go:616');
  }
  const r = await analyse(b);
  expectAnswer(r, 'node-memory-pressure', 'worker-2', 995, 'memory-pressure');
});

test('image-pull-failure: pulls fail for several pods of a rollout', async () => {
  const b = new BundleWriter();
  background(b);
  for (let i = 0; i < 6; i++) {
    const pod = `api-7d9-${i}`;
    b.event(at(700 + i * 20), 'Failed', 'Failed to pull image "registry.example.com/api:2.4": rpc error: code = Unknown desc = failed to pull and unpack image: i/o timeout', { kind: 'Pod', name: pod, namespace: 'shop' }, { host: 'worker-1' });
    b.event(at(701 + i * 20), 'BackOff', 'Back-off pulling image "registry.example.com/api:2.4"', { kind: 'Pod', name: pod, namespace: 'shop' }, { host: 'worker-1', type: 'Normal', count: 5 });
  }
  const r = await analyse(b);
  expectAnswer(r, 'image-pull-failure', undefined, 700, 'image-pull-backoff');
});

test('cni-ipam-exhaustion: sandboxes fail for lack of IPs on worker-3', async () => {
  const b = new BundleWriter();
  background(b);
  for (let i = 0; i < 6; i++) {
    b.event(at(1200 + i * 10), 'FailedCreatePodSandBox', 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type="host-local" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.244.3.1-10.244.3.254', { kind: 'Pod', name: `batch-${i}`, namespace: 'jobs' }, { host: 'worker-3' });
  }
  const r = await analyse(b);
  expectAnswer(r, 'cni-ipam-exhaustion', 'worker-3', 1200, 'ipam-exhaustion');
});

test('coredns-overload: sustained lookup failures and a crashlooping CoreDNS pod', async () => {
  const b = new BundleWriter();
  background(b);
  for (let s = 600; s < 1200; s += 4) b.coredns(at(s), 'coredns-5dd5756b68-abcde', `[ERROR] plugin/errors: 2 api.example.com. A: read udp 10.244.5.3:4${s % 1000}->10.0.0.2:53: i/o timeout`);
  b.event(at(700), 'BackOff', 'Back-off restarting failed container coredns in pod coredns-5dd5756b68-abcde_kube-system(1)', { kind: 'Pod', name: 'coredns-5dd5756b68-abcde', namespace: 'kube-system' }, { host: 'worker-1' });
  const r = await analyse(b);
  expectAnswer(r, 'coredns-overload', undefined, 600, 'dns-failures');
});

test('scheduler-throttling: bindings wait on client-side throttling, pods pending', async () => {
  const b = new BundleWriter();
  background(b);
  for (let s = 900; s < 1400; s += 3) b.klog('kube-scheduler', at(s), 'I', `Waited for 2.${s % 10}s due to client-side throttling, not priority and fairness, request: POST:https://10.0.0.12:6443/api/v1/namespaces/batch/pods/job-${s}/binding`, 'request.go:697');
  for (let s = 930; s < 1400; s += 15) b.gauge('scheduler_pending_pods', { instance: 'cp-2:10259', job: 'kube-scheduler', queue: 'active' }, at(s), s < 930 ? 0 : 180);
  for (let s = 0; s < 930; s += 15) b.gauge('scheduler_pending_pods', { instance: 'cp-2:10259', job: 'kube-scheduler', queue: 'active' }, at(s), 0);
  for (let s = 0; s < 1800; s += 15) b.gauge('leader_election_master_status', { instance: 'cp-2:10259', job: 'kube-scheduler', name: 'kube-scheduler' }, at(s), 1);
  const r = await analyse(b);
  expectAnswer(r, 'scheduler-throttling', 'cp-2', 900, 'client-throttling');
});

test('healthy window with routine noise is not an incident', async () => {
  const b = new BundleWriter();
  background(b);
  // a few upstream DNS timeouts, a restarted pod, a slow single request, a rollout
  for (let i = 0; i < 3; i++) b.coredns(at(500 + i * 2), 'coredns-5dd5756b68-abcde', '[ERROR] plugin/errors: 2 hooks.slack.com. AAAA: read udp 10.244.5.3:47742->10.0.0.2:53: i/o timeout');
  b.event(at(800), 'BackOff', 'Back-off restarting failed container web in pod web-1_shop(1)', { kind: 'Pod', name: 'web-1', namespace: 'shop' }, { host: 'worker-2' });
  b.klog('kube-apiserver', at(900), 'I', 'Trace[1]: "List" url:/api/v1/namespaces/shop/events,verb:LIST (20-Nov-2026 10:15:00.000) (total time: 1390ms):', 'trace.go:236');
  b.event(at(1000), 'ScalingReplicaSet', 'Scaled up replica set web-7d9 to 3', { kind: 'Deployment', name: 'web', namespace: 'shop' }, { component: 'deployment-controller', type: 'Normal' });
  const r = await analyse(b);
  assert.equal(r.verdict, 'none', `${r.summary} :: ${r.hypotheses.map((h) => `${h.cause}:${h.scores['fit']}`).join(', ')}`);
  assert.equal(r.onset, null);
  assert.deepEqual(r.chain, []);
});

test('confounder: a slow webhook that starts after the disk saturated is a victim, not the cause', async () => {
  const b = new BundleWriter();
  background(b, { iostat: false });
  for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-1' && s >= 600 && s < 1100 ? { util: 99, wAwait: 300, idle: 45, iowait: 25 } : { util: 8, wAwait: 1.2, idle: 78 }));
  for (let s = 602; s < 1090; s += 10) b.etcd('cp-1', at(s), 'warn', 'slow fdatasync', { took: '1.2s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  for (let s = 610; s < 1090; s += 9) b.klog('kube-apiserver', at(s), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out', 'status.go:71');
  for (let s = 660; s < 900; s += 12) b.klog('kube-apiserver', at(s), 'W', 'Failed calling webhook, failing open policy.example.com: failed calling webhook "policy.example.com": context deadline exceeded', 'dispatcher.go:205');
  const r = await analyse(b);
  expectAnswer(r, 'etcd-disk-latency', 'cp-1', 600, 'node-disk-saturation');
  const wh = r.hypotheses.find((h) => h.cause === 'admission-webhook-latency');
  assert.ok(!wh || wh.evidenceAgainst.length > 0, 'the webhook hypothesis says why it was rejected');
});

test('clock skew between sources: a kube-apiserver log 25 s late does not put the effect before its cause', async () => {
  const b = new BundleWriter();
  background(b, { iostat: false });
  for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-3' && s >= 600 && s < 1100 ? { util: 99, wAwait: 300, idle: 45, iowait: 25 } : { util: 8, wAwait: 1.2, idle: 78 }));
  for (let s = 603; s < 1090; s += 10) b.etcd('cp-3', at(s), 'warn', 'slow fdatasync', { took: '1.3s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  // the apiserver's clock is 25 s behind: its errors seem to start 10 s before the disk saturated
  for (let s = 615; s < 1090; s += 9) b.klog('kube-apiserver', at(s - 25), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out', 'status.go:71');
  const r = await analyse(b);
  expectAnswer(r, 'etcd-disk-latency', 'cp-3', 600, 'node-disk-saturation');
  const links = r.chain.map((l) => Date.parse(l.at));
  for (let i = 1; i < links.length; i++) assert.ok(links[i]! >= links[0]!, `link ${r.chain[i]!.symptom} at ${r.chain[i]!.at} precedes the root`);
});

test('missing sources: only one member\'s etcd log still names the cause, with what is missing', async () => {
  const b = new BundleWriter();
  for (let s = 600; s < 1000; s += 10) b.etcd('cp-2', at(s), 'warn', 'slow fdatasync', { took: '1.6s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  for (let s = 605; s < 1000; s += 20) b.etcd('cp-2', at(s), 'warn', 'apply request took too long', { took: '1.9s', 'expected-duration': '100ms' });
  const r = await analyse(b);
  assert.notEqual(r.verdict, 'none');
  assert.equal(r.hypotheses[0]!.cause, 'etcd-disk-latency');
  assert.equal(r.hypotheses[0]!.culprit?.host, 'cp-2');
  assert.ok(r.hypotheses[0]!.missing.some((m) => /iostat|disk/.test(m)), `missing: ${r.hypotheses[0]!.missing}`);
  assert.ok(r.hypotheses[0]!.confidence < 0.9);
});
