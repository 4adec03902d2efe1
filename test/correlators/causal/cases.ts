// One small real-format incident per mechanism, with what a correct answer is, which source can be
// skewed or dropped without removing the cause's own evidence, for the variant tests.
import { BundleWriter, at } from '../../helpers/bundle-writer.js';

export const HOSTS = ['cp-1', 'cp-2', 'cp-3'];
export const ID: Record<string, string> = { 'cp-1': '8e9e05c52164694d', 'cp-2': '91bc3c398fb3c146', 'cp-3': 'fd422379fda50e48' };

export interface MechanismCase {
  cause: string;
  host?: string;
  onsetSec: number;
  first: string;
  /** A source whose clock may run late without changing the answer (not the root's only source). */
  skew: string;
  /** A source that may be missing without removing the cause's evidence. */
  drop: string;
  build(b: BundleWriter): void;
}

/** A healthy background every fixture shares: quiet etcd members, normal disks, routine lines. */
export function background(b: BundleWriter, opts: { iostat?: boolean } = {}) {
  for (const h of HOSTS) {
    b.etcd(h, at(60), 'info', 'compact tree index', { revision: 100 });
    b.etcd(h, at(62), 'info', 'finished scheduled compaction', { 'compact-revision': 100, took: '12.3ms' });
    if (opts.iostat !== false) b.iostat(h, 0, 1800, () => ({ util: 8, wAwait: 1.2, idle: 78 }));
  }
  b.klog('kube-controller-manager', at(30), 'I', '"syncing garbage collector with updated resources from discovery" attempt=1');
  b.kubelet('worker-1', at(40), 'I', '"Pod status updated" pod="kube-system/kube-proxy-x" status="Running"');
}

/** Routine noise that is no cause: a rollout, a DNS blip, a short busy disk on a worker, a restarted pod. */
export function confounders(b: BundleWriter) {
  b.event(at(300), 'ScalingReplicaSet', 'Scaled up replica set web-7d9 to 3', { kind: 'Deployment', name: 'web', namespace: 'shop' }, { component: 'deployment-controller', type: 'Normal' });
  for (let i = 0; i < 3; i++) b.coredns(at(1500 + i * 3), 'coredns-5dd5756b68-abcde', '[ERROR] plugin/errors: 2 hooks.slack.com. AAAA: read udp 10.244.5.3:47742->10.0.0.2:53: i/o timeout');
  b.iostat('worker-4', 0, 1800, (s) => (s >= 200 && s < 330 ? { util: 88, wAwait: 45, idle: 70 } : { util: 5, wAwait: 1, idle: 80 }));
  b.event(at(1400), 'BackOff', 'Back-off restarting failed container web in pod web-1_shop(1)', { kind: 'Pod', name: 'web-1', namespace: 'shop' }, { host: 'worker-2' });
}

const etcdTimeout = 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out';

export const CASES: MechanismCase[] = [
  {
    cause: 'etcd-disk-latency', host: 'cp-2', onsetSec: 600, first: 'node-disk-saturation', skew: 'logs/kube-apiserver', drop: 'events.json',
    build(b) {
      background(b, { iostat: false });
      for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-2' && s >= 600 && s < 1000 ? { util: 99.5, wAwait: 420, idle: 40, iowait: 30 } : { util: 8, wAwait: 1.2, idle: 78 }));
      for (let s = 603; s < 990; s += 11) b.etcd('cp-2', at(s), 'warn', 'slow fdatasync', { took: '1.41s', 'expected-duration': '1s' }, 'wal/wal.go:805');
      for (let s = 606; s < 990; s += 17) b.etcd('cp-2', at(s), 'warn', 'apply request took too long', { took: '2.3s', 'expected-duration': '100ms' });
      for (let s = 612; s < 640; s += 3) b.etcd('cp-2', at(s), 'warn', 'leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk', { to: ID['cp-1'], 'exceeded-duration': '612ms' });
      b.etcd('cp-1', at(641), 'info', `raft.node: ${ID['cp-1']} elected leader ${ID['cp-1']} at term 8`);
      b.etcd('cp-3', at(641), 'info', `raft.node: ${ID['cp-3']} elected leader ${ID['cp-1']} at term 8`);
      for (let s = 615; s < 990; s += 9) b.klog('kube-apiserver', at(s), 'E', etcdTimeout, 'status.go:71');
      b.event(at(690), 'NodeNotReady', 'Node cp-2 status is now: NodeNotReady', { kind: 'Node', name: 'cp-2' }, { component: 'node-controller', type: 'Normal' });
    },
  },
  {
    cause: 'cpu-starvation', host: 'cp-1', onsetSec: 500, first: 'node-cpu-saturation', skew: 'logs/kube-apiserver', drop: 'logs/kubelet-cp-1',
    build(b) {
      background(b, { iostat: false });
      for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-1' && s >= 500 && s < 1100 ? { util: 9, wAwait: 1.5, idle: 0.3 } : { util: 8, wAwait: 1.2, idle: 78 }));
      for (let s = 510; s < 1090; s += 13) b.etcd('cp-1', at(s), 'warn', 'apply request took too long', { took: '640ms', 'expected-duration': '100ms' });
      b.etcd('cp-1', at(700), 'warn', 'slow fdatasync', { took: '1.02s', 'expected-duration': '1s' }, 'wal/wal.go:805');
      for (let s = 520; s < 1090; s += 20) b.klog('kube-apiserver', at(s), 'I', `Trace[${s}]: "Update" url:/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/w1,verb:PUT (20-Nov-2026 10:00:00.000) (total time: 2400ms):`, 'trace.go:236');
      for (let s = 530; s < 1090; s += 45) b.kubelet('cp-1', at(s), 'E', '"Housekeeping took longer than expected" err="housekeeping took too long" expected="1s" actual="3.2s"');
    },
  },
  {
    cause: 'etcd-network-latency', host: 'cp-3', onsetSec: 700, first: 'etcd-peer-rtt-high', skew: 'logs/kube-apiserver', drop: 'iostat',
    build(b) {
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
    },
  },
  {
    cause: 'etcd-clock-skew', host: 'cp-1', onsetSec: 400, first: 'etcd-clock-drift', skew: 'logs/kube-controller-manager', drop: 'iostat',
    build(b) {
      background(b);
      for (let s = 400; s < 1700; s += 30) {
        for (const o of ['cp-2', 'cp-3']) {
          b.etcd(o, at(s), 'warn', 'prober found high clock drift', { 'remote-peer-id': ID['cp-1'], 'clock-drift': '2.4s', rtt: '1.1ms' }, 'rafthttp/probing_status.go:82');
          b.etcd('cp-1', at(s), 'warn', 'prober found high clock drift', { 'remote-peer-id': ID[o], 'clock-drift': '2.4s', rtt: '1.1ms' }, 'rafthttp/probing_status.go:82');
        }
      }
      b.etcd('cp-1', at(380), 'info', 'starting peer', { 'local-member-id': ID['cp-1'] });
      b.etcd('cp-2', at(430), 'info', `raft.node: ${ID['cp-2']} elected leader ${ID['cp-2']} at term 4`);
      b.klog('kube-controller-manager', at(432), 'E', 'Failed to update lock: etcdserver: leader changed', 'leaderelection.go:369');
    },
  },
  {
    cause: 'etcd-db-quota', onsetSec: 900, first: 'etcd-db-space-exceeded', skew: 'logs/kube-controller-manager', drop: 'logs/kube-apiserver',
    build(b) {
      background(b);
      b.etcd('cp-2', at(900), 'warn', 'message exceeded backend quota; raising alarm', { 'quota-size-bytes': 2147483648, error: 'etcdserver: no space' });
      for (const h of HOSTS) b.etcd(h, at(900.1), 'warn', 'alarm raised', { alarm: 'NOSPACE' }, 'etcdserver/apply.go:752');
      for (let s = 901; s < 1700; s += 7) b.klog('kube-apiserver', at(s), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0x8, desc:"etcdserver: mvcc: database space exceeded"}: etcdserver: mvcc: database space exceeded', 'status.go:71');
      b.klog('kube-controller-manager', at(903), 'E', 'Failed to update lock: etcdserver: mvcc: database space exceeded', 'leaderelection.go:369');
    },
  },
  {
    cause: 'admission-webhook-latency', onsetSec: 800, first: 'admission-webhook-slow', skew: 'events.json', drop: 'events.json',
    build(b) {
      background(b);
      for (let s = 800; s < 1300; s += 6) b.klog('kube-apiserver', at(s), 'W', 'Failed calling webhook, failing closed policy.example.com: failed calling webhook "policy.example.com": failed to call webhook: Post "https://policy.svc:443/validate?timeout=10s": context deadline exceeded', 'dispatcher.go:225');
      for (let s = 810; s < 1300; s += 20) b.event(at(s), 'FailedCreate', 'Error creating: Internal error occurred: failed calling webhook "policy.example.com": context deadline exceeded', { kind: 'ReplicaSet', name: 'web-1', namespace: 'shop' }, { component: 'replicaset-controller' });
    },
  },
  {
    cause: 'node-memory-pressure', host: 'worker-2', onsetSec: 995, first: 'memory-pressure', skew: 'logs/kubelet-worker-2', drop: 'logs/kernel-worker-2',
    build(b) {
      background(b);
      b.event(at(1000), 'NodeHasInsufficientMemory', 'Node worker-2 status is now: NodeHasInsufficientMemory', { kind: 'Node', name: 'worker-2' }, { host: 'worker-2', type: 'Normal' });
      b.kernel('worker-2', at(995), 'Out of memory: Killed process 4242 (java) total-vm:8000000kB, anon-rss:4000000kB');
      for (let s = 1005; s < 1100; s += 15) {
        b.event(at(s), 'Evicted', 'The node was low on resource: memory.', { kind: 'Pod', name: `cart-${s}`, namespace: 'shop' }, { host: 'worker-2' });
        b.kubelet('worker-2', at(s), 'I', `"Eviction manager: pod is evicted successfully" pod="shop/cart-${s}"`, 'eviction_manager.go:616');
      }
    },
  },
  {
    cause: 'image-pull-failure', onsetSec: 700, first: 'image-pull-backoff', skew: 'logs/kubelet-worker-1', drop: 'logs/kubelet-worker-1',
    build(b) {
      background(b);
      for (let i = 0; i < 6; i++) {
        const pod = `api-7d9-${i}`;
        b.event(at(700 + i * 20), 'Failed', 'Failed to pull image "registry.example.com/api:2.4": rpc error: code = Unknown desc = failed to pull and unpack image: i/o timeout', { kind: 'Pod', name: pod, namespace: 'shop' }, { host: 'worker-1' });
        b.event(at(701 + i * 20), 'BackOff', 'Back-off pulling image "registry.example.com/api:2.4"', { kind: 'Pod', name: pod, namespace: 'shop' }, { host: 'worker-1', type: 'Normal', count: 5 });
        b.kubelet('worker-1', at(700 + i * 20), 'E', `"Failed to pull image" err="rpc error: code = Unknown desc = failed to pull and unpack image: i/o timeout" image="registry.example.com/api:2.4"`, 'kuberuntime_image.go:53');
      }
    },
  },
  {
    cause: 'cni-ipam-exhaustion', host: 'worker-3', onsetSec: 1200, first: 'ipam-exhaustion', skew: 'logs/kubelet-worker-3', drop: 'logs/kubelet-worker-3',
    build(b) {
      background(b);
      const err = 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type="host-local" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.244.3.1-10.244.3.254';
      for (let i = 0; i < 6; i++) {
        b.event(at(1200 + i * 10), 'FailedCreatePodSandBox', err, { kind: 'Pod', name: `batch-${i}`, namespace: 'jobs' }, { host: 'worker-3' });
        b.kubelet('worker-3', at(1200 + i * 10), 'E', `"RunPodSandbox from runtime service failed" err="${err.replace(/"/g, '\\"')}"`, 'remote_runtime.go:193');
      }
    },
  },
  {
    cause: 'coredns-overload', onsetSec: 600, first: 'dns-failures', skew: 'events.json', drop: 'events.json',
    build(b) {
      background(b);
      for (let s = 600; s < 1200; s += 4) b.coredns(at(s), 'coredns-5dd5756b68-abcde', `[ERROR] plugin/errors: 2 api.example.com. A: read udp 10.244.5.3:4${s % 1000}->10.0.0.2:53: i/o timeout`);
      b.event(at(700), 'BackOff', 'Back-off restarting failed container coredns in pod coredns-5dd5756b68-abcde_kube-system(1)', { kind: 'Pod', name: 'coredns-5dd5756b68-abcde', namespace: 'kube-system' }, { host: 'worker-1' });
    },
  },
  {
    cause: 'scheduler-throttling', host: 'cp-2', onsetSec: 900, first: 'client-throttling', skew: 'events.json', drop: 'iostat',
    build(b) {
      background(b);
      for (let s = 900; s < 1400; s += 3) b.klog('kube-scheduler', at(s), 'I', `Waited for 2.${s % 10}s due to client-side throttling, not priority and fairness, request: POST:https://10.0.0.12:6443/api/v1/namespaces/batch/pods/job-${s}/binding`, 'request.go:697');
      for (let s = 0; s < 1800; s += 15) b.gauge('scheduler_pending_pods', { instance: 'cp-2:10259', job: 'kube-scheduler', queue: 'active' }, at(s), s < 930 ? 0 : 180);
      for (let s = 0; s < 1800; s += 15) b.gauge('leader_election_master_status', { instance: 'cp-2:10259', job: 'kube-scheduler', name: 'kube-scheduler' }, at(s), 1);
      for (let s = 940; s < 1400; s += 60) b.event(at(s), 'Scheduled', `Successfully assigned batch/job-${s} to worker-1`, { kind: 'Pod', name: `job-${s}`, namespace: 'batch' }, { component: 'default-scheduler', type: 'Normal' });
    },
  },
  {
    cause: 'apiserver-inflight-saturation', onsetSec: 800, first: 'apiserver-throttling', skew: 'logs/kube-apiserver', drop: 'logs/kube-apiserver',
    build(b) {
      background(b);
      // routine traffic, then one agent floods LISTs: 429s from APF, slow responses for everyone
      for (let s = 0; s < 1800; s += 2) b.audit(at(s), s % 6 === 0 ? 'update' : 'get', 200, 8, { resource: 'leases', userAgent: 'kubelet/v1.29.4' });
      for (let s = 800; s < 1300; s += 0.5) b.audit(at(s), 'list', s % 2 === 0 ? 429 : 200, s % 2 === 0 ? 2 : 4200, { resource: 'secrets', userAgent: 'inventory-agent/2.3.0' });
      for (let s = 830; s < 1300; s += 20) b.klog('kube-apiserver', at(s), 'E', 'timeout or abort while handling: method=GET URI="/api/v1/secrets" audit-ID="x"', 'wrap.go:54');
    },
  },
  {
    cause: 'watch-cache-relist-storm', onsetSec: 700, first: 'apiserver-relist-storm', skew: 'logs/kubelet-worker-1', drop: 'iostat',
    build(b) {
      background(b);
      b.event(at(690), 'Killing', 'Stopping container kube-apiserver', { kind: 'Pod', name: 'kube-apiserver-cp-3', namespace: 'kube-system' }, { host: 'cp-3', type: 'Normal' });
      b.klog('kube-apiserver', at(695), 'I', 'Version: v1.29.4', 'server.go:148');
      for (const [i, n] of ['worker-1', 'worker-2', 'worker-3', 'cp-1'].entries()) {
        for (let s = 700 + i; s < 760; s += 7) b.kubelet(n, at(s), 'W', 'pkg/kubelet/config/apiserver.go:66: watch of *v1.Pod ended with: too old resource version: 4812 (4850)', 'reflector.go:539');
      }
      for (let s = 701; s < 760; s += 5) b.klog('kube-controller-manager', at(s), 'W', 'k8s.io/client-go/informers/factory.go:159: watch of *v1.Endpoints ended with: too old resource version: 4811 (4850)', 'reflector.go:539');
      for (let s = 0; s < 1800; s += 2) b.audit(at(s), 'get', 200, 6, { resource: 'leases', userAgent: 'kubelet/v1.29.4' });
      for (let s = 702; s < 900; s += 0.5) b.audit(at(s), 'list', 200, 2600, { resource: 'pods', userAgent: `kubelet/v1.29.4 node-${Math.floor(s) % 7}` });
    },
  },
  {
    cause: 'etcd-snapshot-compaction', host: 'cp-2', onsetSec: 600, first: 'etcd-backend-commit-slow', skew: 'logs/kube-apiserver', drop: 'iostat',
    build(b) {
      background(b);
      for (let s = 600; s < 1800; s += 300) {
        for (const h of HOSTS) b.etcd(h, at(s + 4), 'info', 'finished scheduled compaction', { 'compact-revision': s, took: h === 'cp-2' ? '6.2s' : '3.1s' }, 'mvcc/kvstore_compaction.go:68');
        for (let k = 0; k < 4; k++) b.klog('kube-apiserver', at(s + k), 'I', `Trace[${s + k}]: "Update" url:/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/w1,verb:PUT (20-Nov-2026 10:00:00.000) (total time: 3100ms):`, 'trace.go:236');
        b.etcd('cp-2', at(s + 2), 'warn', 'apply request took too long', { took: '2.8s', 'expected-duration': '100ms' });
      }
      b.etcd('cp-2', at(780), 'info', 'starting defragment', {}, 'v3rpc/maintenance.go:90');
      b.etcd('cp-2', at(792), 'info', 'finished defragment', {}, 'v3rpc/maintenance.go:96');
      for (let k = 0; k < 5; k++) b.klog('kube-apiserver', at(782 + k * 2), 'E', etcdTimeout, 'status.go:71');
    },
  },
];
