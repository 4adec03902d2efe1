/**
 * The catalogue of normalised metrics. Every source produces these ids: the file source derives
 * them from OpenMetrics (rates from counters, quantiles from histogram buckets), the Prometheus
 * source asks PromQL for the same thing. Thresholds live with the mechanisms, not here.
 */
import type { Component } from './vocabulary.js';

export type MetricUnit = 's' | 'ratio' | 'per_s' | 'bytes' | 'count' | 'bool' | 'cores';

export type MetricDerivation =
  /** histogram_quantile(q, sum by (host, by..., le) (rate(family_bucket[w]))) */
  | { kind: 'quantile'; q: number }
  /** sum by (host, by...) (rate(family_total[w])) */
  | { kind: 'rate' }
  /** sum by (host, by...) (family) */
  | { kind: 'gauge' }
  /** rate(family_total) / rate(denominator_total), per host */
  | { kind: 'ratio-of-rates'; denominator: string }
  /** share of CPU time in `mode`: sum(rate(node_cpu_seconds_total{mode})) / sum(rate(node_cpu_seconds_total)) */
  | { kind: 'cpu-mode-share'; mode: string };

export interface MetricDef {
  id: string;
  /** The raw family name, without `_total`, `_bucket`, `_sum`, `_count`. */
  family: string;
  derive: MetricDerivation;
  unit: MetricUnit;
  /** Labels kept apart (beside the host); all others are summed away. */
  by: string[];
  /** Only samples whose labels equal these values. */
  match?: Record<string, string>;
  /** Component when the `job` label does not say. */
  component: Component;
  description: string;
}

/** `job` label values -> component, for families several components export (process_cpu_seconds). */
export const JOB_COMPONENTS: Record<string, Component> = {
  etcd: 'etcd',
  apiserver: 'kube-apiserver',
  'kube-apiserver': 'kube-apiserver',
  'kube-controller-manager': 'kube-controller-manager',
  kcm: 'kube-controller-manager',
  'kube-scheduler': 'kube-scheduler',
  scheduler: 'kube-scheduler',
  node: 'node',
  'node-exporter': 'node',
  kubelet: 'kubelet',
  coredns: 'coredns',
};

/** Labels that name the host of a series, in order of preference; `instance` loses its port. */
export const HOST_LABELS = ['node', 'instance', 'hostname'] as const;

const q99 = { kind: 'quantile', q: 0.99 } as const;
const q50 = { kind: 'quantile', q: 0.5 } as const;
const rate = { kind: 'rate' } as const;
const gauge = { kind: 'gauge' } as const;

export const METRICS: readonly MetricDef[] = [
  // etcd (https://etcd.io/docs/v3.5/metrics/)
  { id: 'etcd_wal_fsync_p99_s', family: 'etcd_disk_wal_fsync_duration_seconds', derive: q99, unit: 's', by: [], component: 'etcd', description: 'WAL fsync p99' },
  { id: 'etcd_wal_fsync_p50_s', family: 'etcd_disk_wal_fsync_duration_seconds', derive: q50, unit: 's', by: [], component: 'etcd', description: 'WAL fsync p50' },
  { id: 'etcd_backend_commit_p99_s', family: 'etcd_disk_backend_commit_duration_seconds', derive: q99, unit: 's', by: [], component: 'etcd', description: 'backend commit p99' },
  { id: 'etcd_peer_rtt_p99_s', family: 'etcd_network_peer_round_trip_time_seconds', derive: q99, unit: 's', by: ['To'], component: 'etcd', description: 'peer round-trip time p99' },
  { id: 'etcd_leader_changes_per_s', family: 'etcd_server_leader_changes_seen', derive: rate, unit: 'per_s', by: [], component: 'etcd', description: 'leader changes seen' },
  { id: 'etcd_has_leader', family: 'etcd_server_has_leader', derive: gauge, unit: 'bool', by: [], component: 'etcd', description: 'member has a leader' },
  { id: 'etcd_is_leader', family: 'etcd_server_is_leader', derive: gauge, unit: 'bool', by: [], component: 'etcd', description: 'member is the leader' },
  { id: 'etcd_proposals_failed_per_s', family: 'etcd_server_proposals_failed', derive: rate, unit: 'per_s', by: [], component: 'etcd', description: 'failed proposals' },
  { id: 'etcd_heartbeat_failures_per_s', family: 'etcd_server_heartbeat_send_failures', derive: rate, unit: 'per_s', by: [], component: 'etcd', description: 'heartbeat send failures' },
  { id: 'etcd_slow_apply_per_s', family: 'etcd_server_slow_apply', derive: rate, unit: 'per_s', by: [], component: 'etcd', description: 'slow applies' },
  { id: 'etcd_slow_read_indexes_per_s', family: 'etcd_server_slow_read_indexes', derive: rate, unit: 'per_s', by: [], component: 'etcd', description: 'ReadIndex waits past their retry timeout (etcd 3.4+)' },
  { id: 'etcd_db_size_bytes', family: 'etcd_mvcc_db_total_size_in_bytes', derive: gauge, unit: 'bytes', by: [], component: 'etcd', description: 'db size' },
  { id: 'etcd_quota_bytes', family: 'etcd_server_quota_backend_bytes', derive: gauge, unit: 'bytes', by: [], component: 'etcd', description: 'backend quota' },
  // kube-apiserver (https://kubernetes.io/docs/reference/instrumentation/metrics/)
  { id: 'apiserver_requests_per_s', family: 'apiserver_request', derive: rate, unit: 'per_s', by: ['code'], component: 'kube-apiserver', description: 'requests by code' },
  { id: 'apiserver_latency_p99_s', family: 'apiserver_request_duration_seconds', derive: q99, unit: 's', by: [], component: 'kube-apiserver', description: 'request latency p99' },
  { id: 'apiserver_inflight', family: 'apiserver_current_inflight_requests', derive: gauge, unit: 'count', by: ['request_kind'], component: 'kube-apiserver', description: 'in-flight requests' },
  { id: 'apiserver_flowcontrol_rejected_per_s', family: 'apiserver_flowcontrol_rejected_requests', derive: rate, unit: 'per_s', by: [], component: 'kube-apiserver', description: 'APF rejections' },
  { id: 'apiserver_webhook_p99_s', family: 'apiserver_admission_webhook_admission_duration_seconds', derive: q99, unit: 's', by: ['name'], component: 'kube-apiserver', description: 'admission webhook latency p99' },
  { id: 'apiserver_webhook_rejections_per_s', family: 'apiserver_admission_webhook_rejection_count', derive: rate, unit: 'per_s', by: ['name'], component: 'kube-apiserver', description: 'admission webhook rejections' },
  { id: 'go_sched_latency_p99_s', family: 'go_sched_latencies_seconds', derive: q99, unit: 's', by: [], component: 'kube-apiserver', description: 'Go scheduler latency p99' },
  // controllers and scheduler
  { id: 'leader_election_master', family: 'leader_election_master_status', derive: gauge, unit: 'bool', by: ['name'], component: 'kube-controller-manager', description: 'holds its leader lease' },
  { id: 'scheduler_pending_pods', family: 'scheduler_pending_pods', derive: gauge, unit: 'count', by: ['queue'], component: 'kube-scheduler', description: 'pending pods by queue' },
  { id: 'rest_client_rate_limiter_p99_s', family: 'rest_client_rate_limiter_duration_seconds', derive: q99, unit: 's', by: [], component: 'kube-scheduler', description: 'client-side rate limiter wait p99' },
  // nodes (node_exporter; https://grafana.com/docs/grafana-cloud/monitor-applications/asserts/enable-prom-metrics-collection/infrastructure/node/)
  { id: 'node_disk_util_ratio', family: 'node_disk_io_time_seconds', derive: rate, unit: 'ratio', by: [], component: 'node', description: 'disk busy share (iostat %util)' },
  { id: 'node_disk_write_await_s', family: 'node_disk_write_time_seconds', derive: { kind: 'ratio-of-rates', denominator: 'node_disk_writes_completed' }, unit: 's', by: [], component: 'node', description: 'average write latency (iostat w_await)' },
  { id: 'node_disk_writes_per_s', family: 'node_disk_writes_completed', derive: rate, unit: 'per_s', by: [], component: 'node', description: 'writes per second' },
  { id: 'node_cpu_idle_ratio', family: 'node_cpu_seconds', derive: { kind: 'cpu-mode-share', mode: 'idle' }, unit: 'ratio', by: [], component: 'node', description: 'CPU idle share' },
  { id: 'node_cpu_iowait_ratio', family: 'node_cpu_seconds', derive: { kind: 'cpu-mode-share', mode: 'iowait' }, unit: 'ratio', by: [], component: 'node', description: 'CPU iowait share' },
  { id: 'node_load1', family: 'node_load1', derive: gauge, unit: 'count', by: [], component: 'node', description: '1 m load average' },
  { id: 'process_cpu_cores', family: 'process_cpu_seconds', derive: rate, unit: 'cores', by: [], component: 'other', description: 'process CPU (cores)' },
  { id: 'node_timex_offset_s', family: 'node_timex_offset_seconds', derive: gauge, unit: 's', by: [], component: 'node', description: 'clock offset to reference' },
  { id: 'node_memory_available_bytes', family: 'node_memory_MemAvailable_bytes', derive: gauge, unit: 'bytes', by: [], component: 'node', description: 'available memory' },
  // kube-state-metrics
  { id: 'node_ready', family: 'kube_node_status_condition', derive: gauge, unit: 'bool', by: [], match: { condition: 'Ready', status: 'true' }, component: 'node', description: 'node Ready' },
  { id: 'node_memory_pressure', family: 'kube_node_status_condition', derive: gauge, unit: 'bool', by: [], match: { condition: 'MemoryPressure', status: 'true' }, component: 'node', description: 'node MemoryPressure' },
  { id: 'pods_waiting', family: 'kube_pod_container_status_waiting_reason', derive: gauge, unit: 'count', by: ['reason'], component: 'kubelet', description: 'containers waiting, by reason' },
  // CoreDNS
  { id: 'coredns_requests_per_s', family: 'coredns_dns_requests', derive: rate, unit: 'per_s', by: [], component: 'coredns', description: 'DNS requests' },
  { id: 'coredns_responses_per_s', family: 'coredns_dns_responses', derive: rate, unit: 'per_s', by: ['rcode'], component: 'coredns', description: 'DNS responses by rcode' },
  { id: 'coredns_latency_p99_s', family: 'coredns_dns_request_duration_seconds', derive: q99, unit: 's', by: [], component: 'coredns', description: 'DNS latency p99' },
  // iostat (file source only): the same ids where they mean the same thing
];

/** iostat `-x` columns turned into the same metric ids node_exporter gives. */
export const IOSTAT_METRICS = {
  util: 'node_disk_util_ratio',
  wAwait: 'node_disk_write_await_s',
  writesPerS: 'node_disk_writes_per_s',
  cpuIdle: 'node_cpu_idle_ratio',
  cpuIowait: 'node_cpu_iowait_ratio',
  rAwait: 'node_disk_read_await_s',
} as const;

export const METRICS_BY_FAMILY: ReadonlyMap<string, readonly MetricDef[]> = (() => {
  const m = new Map<string, MetricDef[]>();
  for (const d of METRICS) {
    const list = m.get(d.family) ?? [];
    list.push(d);
    m.set(d.family, list);
  }
  return m;
})();

/** Host from a label set: `node`/`host`/`hostname`, else `instance` without its port. */
export function hostFromLabels(labels: Record<string, string>): string | undefined {
  for (const k of HOST_LABELS) {
    const v = labels[k];
    if (!v) continue;
    if (k === 'instance') {
      const m = /^\[?([^\]]+?)\]?(?::\d+)?$/.exec(v);
      return m?.[1] ?? v;
    }
    return v;
  }
  return undefined;
}
