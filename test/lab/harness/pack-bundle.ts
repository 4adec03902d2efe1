/**
 * Writes a finished run as `<outDir>/bundle/` (logs/etcd-cp-N.log, iostat/cp-N.txt,
 * metrics/etcd.om, metrics/node.om, rootline.json), `<outDir>/label.json` and `<outDir>/truth/`,
 * and checks that both OpenMetrics files load with promtool.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { copyTruth, trimEtcdLog, trimIostat, writeJson, type Label } from './bundle.js';
import type { Member } from './etcd-cluster.js';
import type { LabOptions } from './lab-config.js';
import type { Observed } from './observe.js';
import { exportOpenMetrics } from './prom-export.js';
import { isoSeconds, runCommand } from './shell.js';

/** Families exported (Prometheus metadata names: counters keep `_total`). */
const ETCD_FAMILIES = [
  'etcd_disk_wal_fsync_duration_seconds',
  'etcd_disk_backend_commit_duration_seconds',
  'etcd_network_peer_round_trip_time_seconds',
  'etcd_server_leader_changes_seen_total',
  'etcd_server_has_leader',
  'etcd_server_is_leader',
  'etcd_server_proposals_committed_total',
  'etcd_server_proposals_applied_total',
  'etcd_server_proposals_pending',
  'etcd_server_proposals_failed_total',
  'etcd_server_slow_apply_total',
  'etcd_server_slow_read_indexes_total',
  'etcd_server_heartbeat_send_failures_total',
  'etcd_mvcc_db_total_size_in_bytes',
  'etcd_server_quota_backend_bytes',
  // `server_id` (hex member id) per node: maps peer RTT's `To` label to a host without the logs
  'etcd_server_id',
  'process_cpu_seconds_total',
];
const NODE_FAMILIES = [
  'node_disk_io_time_seconds_total',
  'node_disk_io_time_weighted_seconds_total',
  'node_disk_write_time_seconds_total',
  'node_disk_writes_completed_total',
  'node_disk_written_bytes_total',
  'node_disk_io_now',
  'node_cpu_seconds_total',
  'node_load1',
  'node_memory_MemAvailable_bytes',
];

export interface PackInput {
  o: LabOptions;
  runDir: string;
  members: Member[];
  iostatFiles: Record<string, string>;
  promPort: number;
  fromMs: number;
  toMs: number;
  injectedMs: number;
  culprit: string;
  how: string;
  observed: Observed;
}

export interface Packed {
  bundleDir: string;
  label: Label;
  stats: Record<string, number>;
}

function buildLabel(p: PackInput): Label {
  const window = { from: isoSeconds(p.fromMs), to: isoSeconds(p.toMs) };
  const elections = p.observed.elections.count > 0 ? ['etcd-leader-election'] : [];
  const base = { id: `lab-${p.o.runId}`, window, notes: p.how };
  switch (p.o.fault) {
    case 'disk':
      return { ...base, rootCause: 'etcd-disk-latency', culprit: { component: 'etcd', host: p.culprit }, onset: isoSeconds(p.injectedMs), chain: ['node-disk-saturation', 'etcd-wal-fsync-slow', ...elections] };
    case 'net':
      return { ...base, rootCause: 'etcd-network-latency', culprit: { component: 'etcd', host: p.culprit }, onset: isoSeconds(p.injectedMs), chain: ['etcd-peer-rtt-high', ...elections] };
    case 'healthy':
      return { ...base, rootCause: 'none', chain: [] };
  }
}

/** An output folder is only replaced when it is empty or holds an earlier lab incident. */
export function assertReplaceable(outDir: string): void {
  if (!existsSync(outDir)) return;
  const names = readdirSync(outDir);
  if (names.length > 0 && !names.includes('label.json')) throw new Error(`${outDir} exists and is not an earlier lab incident (no label.json): choose an empty or new folder`);
}

export async function packBundle(p: PackInput): Promise<Packed> {
  const bundleDir = path.join(p.o.outDir, 'bundle');
  assertReplaceable(p.o.outDir);
  await rm(p.o.outDir, { recursive: true, force: true });
  for (const d of ['logs', 'iostat', 'metrics']) mkdirSync(path.join(bundleDir, d), { recursive: true });
  const stats: Record<string, number> = {};
  for (const m of p.members) {
    stats[`logLines_${m.name}`] = await trimEtcdLog(m.logFile, path.join(bundleDir, 'logs', `etcd-${m.name}.log`), p.fromMs, p.toMs);
    stats[`iostatReports_${m.name}`] = await trimIostat(p.iostatFiles[m.name]!, path.join(bundleDir, 'iostat', `${m.name}.txt`), p.fromMs, p.toMs);
  }
  for (const [group, families] of [['etcd', ETCD_FAMILIES], ['node', NODE_FAMILIES]] as const) {
    const file = path.join(bundleDir, 'metrics', `${group}.om`);
    const counts = await exportOpenMetrics(p.promPort, p.fromMs, p.toMs, [...families], file);
    stats[`samples_${group}`] = Object.values(counts).reduce((a, b) => a + b, 0);
    const blocks = path.join(p.runDir, 'omcheck', group);
    await rm(blocks, { recursive: true, force: true });
    mkdirSync(blocks, { recursive: true });
    const check = await runCommand('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, blocks], { timeoutMs: 120_000 });
    await rm(path.join(p.runDir, 'omcheck'), { recursive: true, force: true });
    if (check.code !== 0) throw new Error(`${file} does not load with promtool: ${(check.stderr || check.stdout).trim().slice(-500)}`);
  }
  const label = buildLabel(p);
  // the window for `rootline analyze --input bundle` / `rootline serve --input bundle` without flags
  await writeJson(path.join(bundleDir, 'rootline.json'), { title: `rootline lab: ${p.o.fault} (${p.o.runId})`, window: label.window });
  await writeJson(path.join(p.o.outDir, 'label.json'), label);
  await writeJson(path.join(p.o.outDir, 'truth', 'observed.json'), p.observed);
  const truth = path.join(p.runDir, 'truth');
  await copyTruth(['events.jsonl', 'leader.txt', 'load.txt', 'fio.txt', 'delay-proxy.log'].map((f) => path.join(truth, f)), path.join(p.o.outDir, 'truth'));
  return { bundleDir, label, stats };
}
