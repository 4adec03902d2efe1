/**
 * When a normalised series is anomalous, and which fact that is. Each rule has an absolute
 * threshold with its source and a factor over the window's own baseline; both must be crossed,
 * so a cluster that always runs at 12 ms fsync is not flagged for 13 ms, and a jump from 0.5 ms
 * to 3 ms is not flagged either.
 */
import type { FactKey } from '../signals/index.js';

export interface SeriesRule {
  metric: string;
  key: FactKey;
  direction: 'up' | 'down';
  /** Absolute threshold in the metric's unit. */
  threshold: number;
  /** Value that counts as a full-strength anomaly (dose scale), same unit. */
  severe: number;
  /** Required factor over (up) or under (down) the baseline; 0 disables the relative test. */
  factor: number;
  /** Minimum points past the threshold for an episode. */
  minPoints: number;
  unit: string;
  label: string;
  /** Only series with these labels. */
  match?: Record<string, string>;
  /** Where the number comes from. */
  source: string;
}

export const SERIES_RULES: readonly SeriesRule[] = [
  { metric: 'etcd_wal_fsync_p99_s', key: 'etcd-wal-fsync-slow', direction: 'up', threshold: 0.01, severe: 0.5, factor: 4, minPoints: 1, unit: 's', label: 'WAL fsync p99', source: 'etcd FAQ: p99 < 10 ms; etcd mixin warns at 0.5 s (https://etcd.io/docs/v3.5/faq/)' },
  { metric: 'etcd_backend_commit_p99_s', key: 'etcd-backend-commit-slow', direction: 'up', threshold: 0.025, severe: 0.25, factor: 4, minPoints: 1, unit: 's', label: 'backend commit p99', source: 'etcd FAQ: p99 < 25 ms; etcd mixin alerts at 0.25 s' },
  { metric: 'etcd_peer_rtt_p99_s', key: 'etcd-peer-rtt-high', direction: 'up', threshold: 0.15, severe: 0.5, factor: 4, minPoints: 1, unit: 's', label: 'peer RTT p99', source: 'etcd mixin: peer RTT p99 > 0.15 s' },
  { metric: 'etcd_leader_changes_per_s', key: 'etcd-leader-election', direction: 'up', threshold: 1e-6, severe: 0.02, factor: 0, minPoints: 1, unit: '/s', label: 'leader changes', source: 'any increase of etcd_server_leader_changes_seen_total' },
  { metric: 'etcd_has_leader', key: 'etcd-leader-election', direction: 'down', threshold: 0.5, severe: 0, factor: 0, minPoints: 1, unit: '', label: 'has leader', source: 'etcd mixin etcdNoLeader: has_leader == 0' },
  { metric: 'etcd_slow_read_indexes_per_s', key: 'etcd-request-slow', direction: 'up', threshold: 0.1, severe: 2, factor: 5, minPoints: 1, unit: '/s', label: 'slow ReadIndex', source: 'etcd_server_slow_read_indexes_total: a linearizable read waited past its 500 ms retry ("waiting for ReadIndex response took too long")' },
  { metric: 'etcd_slow_apply_per_s', key: 'etcd-request-slow', direction: 'up', threshold: 0.02, severe: 0.3, factor: 5, minPoints: 1, unit: '/s', label: 'slow applies', source: 'etcd_server_slow_apply_total (etcd PR 9761): applies over 100 ms' },
  { metric: 'etcd_heartbeat_failures_per_s', key: 'etcd-heartbeat-late', direction: 'up', threshold: 0.02, severe: 0.3, factor: 5, minPoints: 1, unit: '/s', label: 'heartbeat send failures', source: 'etcd_server_heartbeat_send_failures_total (etcd PR 9761)' },
  { metric: 'etcd_db_quota_ratio', key: 'etcd-db-space-exceeded', direction: 'up', threshold: 0.95, severe: 1, factor: 0, minPoints: 1, unit: 'ratio', label: 'db size / quota', source: 'etcd mixin: DB > 95 % of quota' },
  { metric: 'node_timex_offset_abs_s', key: 'etcd-clock-drift', direction: 'up', threshold: 0.05, severe: 1, factor: 5, minPoints: 2, unit: 's', label: 'clock offset', source: 'NodeClockSkewDetected: |offset| > 0.05 s; etcd prober warns above 1 s' },
  { metric: 'apiserver_latency_p99_s', key: 'apiserver-latency-high', direction: 'up', threshold: 1, severe: 5, factor: 3, minPoints: 1, unit: 's', label: 'API request latency p99', source: 'Kubernetes API SLO: mutating calls p99 <= 1 s' },
  { metric: 'apiserver_5xx_ratio', key: 'apiserver-errors', direction: 'up', threshold: 0.01, severe: 0.2, factor: 3, minPoints: 1, unit: 'ratio', label: 'API 5xx share', source: 'kubernetes-mixin error-budget alerts (> 1 %)' },
  { metric: 'apiserver_429_ratio', key: 'apiserver-throttling', direction: 'up', threshold: 0.005, severe: 0.1, factor: 3, minPoints: 1, unit: 'ratio', label: 'API 429 share', source: 'any sustained 429 share means APF / max-inflight rejections' },
  { metric: 'apiserver_inflight', key: 'apiserver-throttling', direction: 'up', threshold: 360, severe: 400, factor: 2, minPoints: 1, unit: '', label: 'in-flight read-only requests', match: { request_kind: 'readOnly' }, source: '--max-requests-inflight default 400 (90 %)' },
  { metric: 'apiserver_inflight', key: 'apiserver-throttling', direction: 'up', threshold: 180, severe: 200, factor: 2, minPoints: 1, unit: '', label: 'in-flight mutating requests', match: { request_kind: 'mutating' }, source: '--max-mutating-requests-inflight default 200 (90 %)' },
  { metric: 'apiserver_flowcontrol_rejected_per_s', key: 'apiserver-throttling', direction: 'up', threshold: 0.1, severe: 5, factor: 3, minPoints: 1, unit: '/s', label: 'APF rejections', source: 'apiserver_flowcontrol_rejected_requests_total' },
  { metric: 'apiserver_webhook_p99_s', key: 'admission-webhook-slow', direction: 'up', threshold: 0.5, severe: 5, factor: 4, minPoints: 1, unit: 's', label: 'admission webhook p99', source: 'webhook timeouts default 10 s; > 0.5 s delays every write' },
  { metric: 'apiserver_webhook_rejections_per_s', key: 'admission-webhook-slow', direction: 'up', threshold: 0.05, severe: 2, factor: 4, minPoints: 1, unit: '/s', label: 'webhook rejections', source: 'apiserver_admission_webhook_rejection_count' },
  { metric: 'go_sched_latency_p99_s', key: 'node-cpu-saturation', direction: 'up', threshold: 0.01, severe: 0.2, factor: 8, minPoints: 2, unit: 's', label: 'Go scheduler latency p99', source: 'runnable goroutines waiting > 10 ms: CPU starvation' },
  { metric: 'leader_election_master', key: 'controller-lease-lost', direction: 'down', threshold: 0.5, severe: 0, factor: 0, minPoints: 1, unit: '', label: 'leader lease held', source: 'leader_election_master_status drops to 0' },
  { metric: 'scheduler_pending_pods_total', key: 'pods-pending', direction: 'up', threshold: 10, severe: 100, factor: 5, minPoints: 2, unit: '', label: 'pending pods', source: 'scheduler_pending_pods' },
  { metric: 'rest_client_rate_limiter_p99_s', key: 'client-throttling', direction: 'up', threshold: 0.1, severe: 2, factor: 5, minPoints: 1, unit: 's', label: 'client-side rate limiter wait p99', source: 'client-go logs waits over 1 s; 0.1 s p99 is a backlog' },
  { metric: 'node_disk_util_ratio', key: 'node-disk-saturation', direction: 'up', threshold: 0.8, severe: 0.98, factor: 2, minPoints: 2, unit: 'ratio', label: 'disk %util', source: 'iostat %util near 100 % = device saturated' },
  { metric: 'node_disk_write_await_s', key: 'node-disk-saturation', direction: 'up', threshold: 0.02, severe: 0.2, factor: 5, minPoints: 2, unit: 's', label: 'disk write await', source: 'OKD: 8 KB fdatasync writes < 10 ms; 20 ms = Red Hat fio p99 limit' },
  { metric: 'node_cpu_idle_ratio', key: 'node-cpu-saturation', direction: 'down', threshold: 0.05, severe: 0.005, factor: 0, minPoints: 3, unit: 'ratio', label: 'CPU idle', source: 'no idle CPU left for etcd / kube-apiserver (etcd FAQ: CPU starvation)' },
  { metric: 'node_memory_available_bytes', key: 'memory-pressure', direction: 'down', threshold: 200e6, severe: 50e6, factor: 0, minPoints: 2, unit: 'B', label: 'available memory', source: 'kubelet default hard eviction memory.available < 100Mi' },
  { metric: 'node_memory_pressure', key: 'memory-pressure', direction: 'up', threshold: 0.5, severe: 1, factor: 0, minPoints: 1, unit: '', label: 'MemoryPressure condition', source: 'kube_node_status_condition{condition="MemoryPressure"}' },
  { metric: 'node_ready', key: 'node-not-ready', direction: 'down', threshold: 0.5, severe: 0, factor: 0, minPoints: 1, unit: '', label: 'node Ready', source: 'KubeNodeNotReady (kubernetes-mixin)' },
  { metric: 'pods_waiting', key: 'image-pull-backoff', direction: 'up', threshold: 0.5, severe: 10, factor: 0, minPoints: 1, unit: '', label: 'containers waiting on image pull', match: { reason: 'ImagePullBackOff' }, source: 'kube_pod_container_status_waiting_reason' },
  { metric: 'pods_waiting', key: 'image-pull-backoff', direction: 'up', threshold: 0.5, severe: 10, factor: 0, minPoints: 1, unit: '', label: 'containers waiting on image pull', match: { reason: 'ErrImagePull' }, source: 'kube_pod_container_status_waiting_reason' },
  { metric: 'coredns_servfail_ratio', key: 'dns-failures', direction: 'up', threshold: 0.05, severe: 0.5, factor: 3, minPoints: 1, unit: 'ratio', label: 'DNS SERVFAIL share', source: 'coredns_dns_responses_total{rcode="SERVFAIL"}' },
  { metric: 'coredns_latency_p99_s', key: 'dns-failures', direction: 'up', threshold: 0.5, severe: 2, factor: 5, minPoints: 1, unit: 's', label: 'DNS latency p99', source: 'pods time out DNS after 5 s; 0.5 s p99 is overload' },
  // audit-derived series (the same ids from Elasticsearch or files)
  { metric: 'audit_5xx_ratio', key: 'apiserver-errors', direction: 'up', threshold: 0.02, severe: 0.3, factor: 3, minPoints: 1, unit: 'ratio', label: 'audit 5xx share', source: 'audit responseStatus.code >= 500' },
  { metric: 'audit_429_ratio', key: 'apiserver-throttling', direction: 'up', threshold: 0.02, severe: 0.3, factor: 3, minPoints: 1, unit: 'ratio', label: 'audit 429 share', source: 'audit responseStatus.code == 429' },
  { metric: 'audit_p99_latency_s', key: 'apiserver-latency-high', direction: 'up', threshold: 1, severe: 10, factor: 3, minPoints: 1, unit: 's', label: 'audit latency p99', source: 'stageTimestamp - requestReceivedTimestamp; API SLO 1 s' },
  { metric: 'audit_list_per_s', key: 'apiserver-list-surge', direction: 'up', threshold: 0.5, severe: 20, factor: 5, minPoints: 2, unit: '/s', label: 'LIST requests', source: 'LIST rate far over the window baseline' },
];
