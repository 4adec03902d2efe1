/**
 * What watches the cluster: Debian's node_exporter and Prometheus on loopback, scraping every
 * member's metrics port and the node_exporter once per lab node (each node keeps the `node_disk_*`
 * series of its own etcd volume only: all three "nodes" share this machine), and one
 * `iostat -x -t 1 <loopN>` per node, in a UTS namespace named after the node so iostat's header
 * names it as a real node's would.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Member } from './etcd-cluster.js';
import { getText } from './http-json.js';
import { startProcess } from './processes.js';
import { waitFor } from './shell.js';
import type { Teardown } from './teardown.js';

export interface MonitoringOptions {
  runDir: string;
  promPort: number;
  nodeExporterPort: number;
  scrapeS: number;
  cpuGroupDir?: string;
}

export interface Monitoring {
  promUrl: string;
  /** Raw iostat output per member (untrimmed). */
  iostatFiles: Record<string, string>;
}

/** prometheus.yml for the run; labels: `node=cp-N`, `instance=cp-N:2381` / `cp-N:9100`. */
export function buildPrometheusConfig(members: Member[], o: MonitoringOptions): string {
  const lines = [
    'global:',
    `  scrape_interval: ${o.scrapeS}s`,
    `  scrape_timeout: ${Math.max(1, o.scrapeS - 1)}s`,
    `  evaluation_interval: ${o.scrapeS}s`,
    'scrape_configs:',
    '- job_name: etcd',
    '  static_configs:',
    ...members.flatMap((m) => [`  - targets: ['127.0.0.1:${m.ports.metrics}']`, `    labels: {node: ${m.name}, __rl_instance: '${m.name}:2381'}`]),
    '  relabel_configs:',
    '  - {source_labels: [__rl_instance], target_label: instance}',
  ];
  for (const m of members) {
    lines.push(
      `- job_name: node-${m.name}`,
      '  static_configs:',
      `  - targets: ['127.0.0.1:${o.nodeExporterPort}']`,
      `    labels: {node: ${m.name}}`,
      '  relabel_configs:',
      '  - {target_label: job, replacement: node}',
      `  - {target_label: instance, replacement: '${m.name}:9100'}`,
      '  metric_relabel_configs:',
      // keep node_disk_* of this node's volume only
      `  - {source_labels: [device], regex: '${m.volume.deviceName}', target_label: __rl_keep, replacement: 'y'}`,
      "  - {source_labels: [__name__, __rl_keep], regex: 'node_disk_.+;', action: drop}",
      '  - {regex: __rl_keep, action: labeldrop}',
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function startMonitoring(td: Teardown, members: Member[], o: MonitoringOptions): Promise<Monitoring> {
  const truth = path.join(o.runDir, 'truth');
  const raw = path.join(o.runDir, 'iostat');
  const cgroupDirs = o.cpuGroupDir ? [o.cpuGroupDir] : [];
  mkdirSync(raw, { recursive: true });
  // node_exporter excludes loop devices by default; this exclude list replaces that default
  startProcess(td, 'node_exporter', 'prometheus-node-exporter', [`--web.listen-address=127.0.0.1:${o.nodeExporterPort}`, '--collector.diskstats.device-exclude=^(ram|fd|zram|sr)[0-9]+$'], { logFile: path.join(truth, 'node_exporter.log'), cgroupDirs });
  const iostatFiles: Record<string, string> = {};
  for (const m of members) {
    const file = path.join(raw, `${m.name}.txt`);
    iostatFiles[m.name] = file;
    startProcess(td, `iostat ${m.name}`, 'iostat', ['-x', '-t', '1', m.volume.deviceName], { logFile: file, env: { ...process.env, S_TIME_FORMAT: 'ISO', LC_ALL: 'C' }, hostname: m.name, cgroupDirs });
  }
  const promDir = path.join(o.runDir, 'prometheus');
  mkdirSync(promDir, { recursive: true });
  writeFileSync(path.join(promDir, 'prometheus.yml'), buildPrometheusConfig(members, o));
  startProcess(
    td,
    'prometheus',
    'prometheus',
    [`--config.file=${path.join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${o.promPort}`, '--storage.tsdb.retention.time=1d'],
    { logFile: path.join(truth, 'prometheus.log'), cgroupDirs },
  );
  const promUrl = `http://127.0.0.1:${o.promPort}`;
  await waitFor('Prometheus ready (/-/ready)', () => getText(`${promUrl}/-/ready`, 1000).then(() => true), 30_000);
  await waitFor(`node_exporter metrics on :${o.nodeExporterPort}`, () => getText(`http://127.0.0.1:${o.nodeExporterPort}/metrics`, 2000).then((t) => (t.includes('node_disk_io_time_seconds_total') ? true : undefined)), 30_000);
  return { promUrl, iostatFiles };
}
