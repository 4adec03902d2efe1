/**
 * Slow disk under etcd: co-located I/O or a degraded volume makes WAL fsync and backend commit
 * slow on one member; its raft loop stalls, heartbeats are late, elections follow and the local
 * kube-apiserver times out.
 * @see https://etcd.io/docs/v3.5/faq/ (fsync p99 < 10 ms, "leader is overloaded likely from slow disk")
 */
import type { Mechanism } from '../types.js';
import { find, weight, groupByHost, mainOnset, clamp01, overlaps, strongest } from '../helpers.js';
import { assessment, combine, effectShare, ETCD_EFFECTS } from './common.js';

export const etcdDiskLatency: Mechanism = {
  cause: 'etcd-disk-latency',
  title: 'Slow disk under etcd',
  chain: [
    { key: 'node-disk-saturation', lagMs: [0, 0], because: 'a co-located writer or a degraded volume saturates the etcd data disk' },
    { key: 'etcd-wal-fsync-slow', lagMs: [0, 30_000], because: 'every raft entry waits for fdatasync on the saturated disk' },
    { key: 'etcd-backend-commit-slow', lagMs: [0, 30_000], because: 'bbolt commits fsync the same disk' },
    { key: 'etcd-request-slow', lagMs: [0, 60_000], because: 'applies wait for the slow WAL' },
    { key: 'apiserver-latency-high', lagMs: [0, 90_000], because: 'the local kube-apiserver waits on etcd (stacked etcd)' },
    { key: 'apiserver-errors', lagMs: [0, 120_000], because: 'etcd requests exceed the 7 s request timeout' },
    { key: 'etcd-leader-election', lagMs: [0, 300_000], because: 'a leader that misses heartbeats (100 ms, 1 s election timeout) is replaced' },
    { key: 'controller-lease-lost', lagMs: [0, 300_000], because: 'lease renewals miss the 10 s renew deadline' },
    { key: 'node-not-ready', lagMs: [30_000, 600_000], because: 'node status updates fail past the 40 s grace period' },
  ],
  explains: ['node-disk-saturation', 'etcd-wal-fsync-slow', 'etcd-backend-commit-slow', 'etcd-request-slow', 'etcd-heartbeat-late', 'etcd-leader-election', 'apiserver-latency-high', 'apiserver-errors', 'controller-lease-lost', 'node-not-ready'],
  evaluate(ctx) {
    const etcd = ctx.topology.etcdHosts;
    const onEtcd = (h: string) => etcd.length === 0 || etcd.includes(h);
    const fsync = groupByHost(find(ctx, 'etcd-wal-fsync-slow'));
    const disk = groupByHost(find(ctx, 'node-disk-saturation'));
    const commit = groupByHost(find(ctx, 'etcd-backend-commit-slow'));
    const hosts = new Set([...fsync.keys(), ...disk.keys()].filter(onEtcd));
    let best: { host: string; score: number } | undefined;
    for (const h of hosts) {
      const s = weight(fsync.get(h) ?? []) + 0.8 * weight(disk.get(h) ?? []) + 0.3 * weight(commit.get(h) ?? []);
      if (!best || s > best.score || (s === best.score && h < best.host)) best = { host: h, score: s };
    }
    if (!best) return undefined;
    const h = best.host;
    const f = fsync.get(h) ?? [];
    const d = disk.get(h) ?? [];
    const c = commit.get(h) ?? [];
    const roots = [...d, ...f, ...c];
    const first = mainOnset(d.length && f.length ? [...d, ...f] : roots)!;
    const onsetMs = first.startMs;
    const against: { claim: string; obs?: (typeof roots)[number] }[] = [];
    const forClaims: { claim: string; obs?: (typeof roots)[number] }[] = [];
    let penalty = 1;
    // dose: how slow fsync got (metric p99 in s, or a stated `took` in ms)
    const fMetric = f.filter((o) => o.basis === 'metric').map((o) => o.peak ?? 0);
    const fLog = f.filter((o) => o.basis === 'log');
    const dose = clamp01(Math.max(0, ...fMetric.map((p) => p / 0.25)) + (fLog.length ? 0.5 : 0) + 0.3 * weight(d));
    if (d.length) forClaims.push({ claim: `the etcd data disk of ${h} is saturated`, obs: strongest(d) });
    if (f.length) forClaims.push({ claim: `WAL fsync is slow on ${h}`, obs: strongest(f) });
    if (c.length) forClaims.push({ claim: `backend commit is slow on ${h}`, obs: strongest(c) });
    // a healthy disk under slow fsync points at CPU (etcd FAQ: slow disk, then CPU starvation)
    const cpu = find(ctx, 'node-cpu-saturation', { host: h }).filter((o) => roots.some((r) => overlaps(o, r, 60_000)));
    const diskCovered = ctx.coverage.iostat || ctx.coverage.metricIds.has('node_disk_util_ratio');
    if (d.length === 0 && diskCovered) {
      penalty *= cpu.length ? 0.35 : 0.6;
      against.push({ claim: `the disk of ${h} shows no saturation (iostat / node_exporter) while fsync is slow` });
    }
    if (cpu.length && weight(cpu) > 0.5) {
      penalty *= d.length ? 0.85 : 0.6;
      against.push({ claim: `${h} has no idle CPU at the same time: CPU starvation also slows fsync and applies`, obs: strongest(cpu) });
    }
    if (f.length === 0 && c.length === 0) {
      penalty *= 0.45;
      against.push({ claim: `no slow WAL fsync or backend commit on ${h}: the busy disk may not be etcd's` });
    }
    // slow fsync everywhere at once is not a local disk
    const others = [...fsync.keys()].filter((x) => x !== h && onEtcd(x));
    if (others.length >= 2 && others.every((x) => weight(fsync.get(x) ?? []) >= 0.8 * weight(f))) {
      penalty *= 0.7;
      against.push({ claim: 'fsync is equally slow on every member, which a single bad disk does not explain' });
    }
    const eff = effectShare(ctx, ETCD_EFFECTS, onsetMs, 600_000);
    const fit = combine({ root: clamp01(best.score / 1.6), dose, effects: eff.share, locality: d.length && f.length ? 1 : 0.5, penalty });
    const missing: string[] = [];
    if (!diskCovered) missing.push(`iostat or node_exporter disk metrics of ${h} would show whether its disk was saturated`);
    if (!ctx.coverage.metrics && !ctx.coverage.etcdLogs) missing.push('etcd metrics or logs (WAL fsync) would confirm the slow disk');
    return assessment({ fit, onsetMs, culprit: { component: 'etcd', host: h }, roots, for: forClaims, against, missing, scores: { root: clamp01(best.score / 1.6), dose, effects: eff.share, penalty } });
  },
  actionItems: [
    'Give etcd a dedicated low-latency disk (local SSD/NVMe) for /var/lib/etcd; keep backups, image pulls and batch I/O off it.',
    'Alert on histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])) > 10 ms for 10 m (etcd guidance) and > 0.5 s critical.',
    'Run `etcdctl check perf` / fio fdatasync tests on control-plane volumes after any storage change; move co-located I/O-heavy jobs away with taints.',
  ],
  nextChecks: (host) => [
    { kind: 'promql', query: `histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{instance=~"${host ?? '.*'}.*"}[1m])))`, why: 'fsync p99 on the suspected member; healthy is < 10 ms' },
    { kind: 'promql', query: `rate(node_disk_io_time_seconds_total{instance=~"${host ?? '.*'}.*"}[1m])`, why: 'disk busy share of the etcd data disk' },
    { kind: 'log-search', query: `"slow fdatasync" OR "leader failed to send out heartbeat on time"`, why: 'etcd states the slow disk itself' },
  ],
};
