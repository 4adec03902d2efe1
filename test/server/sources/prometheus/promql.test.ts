// The PromQL catalogue, asserted on its exact output: what users will see in evidence and logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '../../../../correlators/signals/index.js';
import { buildMetricPromql, buildQueryCatalogue, buildSampleTimePromql, type PromqlOptions } from '../../../../server/sources/prometheus/index.js';

const o: PromqlOptions = { rangeMs: 60_000, hostLabels: ['node', 'instance', 'hostname'], jobLabel: 'job', rename: {} };
const def = (id: string) => METRICS.find((m) => m.id === id)!;

const ROWS: [string, PromqlOptions, string][] = [
  // quantile: the example, with the host labels and job kept apart
  ['etcd_wal_fsync_p99_s', o, 'histogram_quantile(0.99, sum by (node, instance, hostname, job, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[1m])))'],
  ['etcd_wal_fsync_p50_s', o, 'histogram_quantile(0.5, sum by (node, instance, hostname, job, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[1m])))'],
  // a `by` label of the catalogue
  ['etcd_peer_rtt_p99_s', o, 'histogram_quantile(0.99, sum by (node, instance, hostname, job, To, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[1m])))'],
  // rate: counters get `_total`
  ['etcd_leader_changes_per_s', o, 'sum by (node, instance, hostname, job) (rate(etcd_server_leader_changes_seen_total[1m]))'],
  ['apiserver_requests_per_s', o, 'sum by (node, instance, hostname, job, code) (rate(apiserver_request_total[1m]))'],
  // gauge, and a gauge with label matchers (kube-state-metrics)
  ['etcd_has_leader', o, 'sum by (node, instance, hostname, job) (etcd_server_has_leader)'],
  ['node_ready', o, 'sum by (node, instance, hostname, job) (kube_node_status_condition{condition="Ready",status="true"})'],
  // ratio of rates: iostat's w_await
  ['node_disk_write_await_s', o, 'sum by (node, instance, hostname, job) (rate(node_disk_write_time_seconds_total[1m])) / sum by (node, instance, hostname, job) (rate(node_disk_writes_completed_total[1m]))'],
  // CPU mode share
  ['node_cpu_iowait_ratio', o, 'sum by (node, instance, hostname, job) (rate(node_cpu_seconds_total{mode="iowait"}[1m])) / sum by (node, instance, hostname, job) (rate(node_cpu_seconds_total[1m]))'],
  // a wider step widens the range; user label names replace the catalogue's
  ['etcd_peer_rtt_p99_s', { rangeMs: 120_000, hostLabels: ['kubernetes_node'], jobLabel: 'service', rename: { To: 'peer' } }, 'histogram_quantile(0.99, sum by (kubernetes_node, service, peer, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[2m])))'],
];

test('buildMetricPromql gives the exact query per derivation', () => {
  for (const [id, opts, expected] of ROWS) assert.equal(buildMetricPromql(def(id), opts), expected, id);
});

test('irate (steps no coarser than the scrape interval) and the sample-time query of each derivation', () => {
  const i: PromqlOptions = { ...o, rateFunction: 'irate' };
  assert.equal(buildMetricPromql(def('etcd_wal_fsync_p99_s'), i), 'histogram_quantile(0.99, sum by (node, instance, hostname, job, le) (irate(etcd_disk_wal_fsync_duration_seconds_bucket[1m])))');
  assert.equal(buildMetricPromql(def('node_disk_write_await_s'), i), 'sum by (node, instance, hostname, job) (irate(node_disk_write_time_seconds_total[1m])) / sum by (node, instance, hostname, job) (irate(node_disk_writes_completed_total[1m]))');
  const rows: [string, string][] = [
    // grouped as the metric itself (le aside), so a stopped series keeps its last sample's time
    ['etcd_peer_rtt_p99_s', 'max by (node, instance, hostname, job, To) (timestamp(etcd_network_peer_round_trip_time_seconds_bucket))'],
    ['apiserver_requests_per_s', 'max by (node, instance, hostname, job, code) (timestamp(apiserver_request_total))'],
    ['node_ready', 'max by (node, instance, hostname, job) (timestamp(kube_node_status_condition{condition="Ready",status="true"}))'],
    ['node_cpu_iowait_ratio', 'max by (node, instance, hostname, job) (timestamp(node_cpu_seconds_total))'],
  ];
  for (const [id, expected] of rows) assert.equal(buildSampleTimePromql(def(id), o), expected, id);
  assert.equal(buildQueryCatalogue(o, [], [{ id: 'my_extra', promql: 'up', component: 'etcd', by: [] }]).at(-1)?.samplePromql, undefined, 'a user query has no sample times');
});

test('buildQueryCatalogue covers the catalogue, honours disable, and lets a user query replace one', () => {
  const all = buildQueryCatalogue(o, [], []);
  assert.deepEqual(all.map((q) => q.id), METRICS.map((m) => m.id));
  const some = buildQueryCatalogue(o, ['node_load1'], [
    { id: 'etcd_wal_fsync_p99_s', promql: 'my_recording_rule:fsync_p99', component: 'other', by: [] },
    { id: 'my_extra', promql: 'up', component: 'etcd', by: ['job'] },
  ]);
  assert.ok(!some.some((q) => q.id === 'node_load1'));
  const replaced = some.find((q) => q.id === 'etcd_wal_fsync_p99_s')!;
  assert.ok(all.every((q) => q.samplePromql?.includes('(timestamp(')), 'every catalogue query knows its sample times');
  assert.deepEqual(replaced, { id: 'etcd_wal_fsync_p99_s', promql: 'my_recording_rule:fsync_p99', component: 'etcd', by: [], unit: 's' });
  assert.deepEqual(some.at(-1), { id: 'my_extra', promql: 'up', component: 'etcd', by: ['job'] });
  assert.equal(some.filter((q) => q.id === 'etcd_wal_fsync_p99_s').length, 1);
});
