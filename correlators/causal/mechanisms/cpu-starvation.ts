/**
 * CPU starvation of etcd / kube-apiserver on one control-plane host: a CPU-bound co-located
 * workload leaves no idle CPU; applies and heartbeats are late (etcd blames the disk), API calls
 * time out, while the disk itself stays healthy.
 * @see https://etcd.io/docs/v3.5/faq/ ("apply entries took too long": slow disk, then CPU starvation)
 */
import type { Mechanism } from '../types.js';
import { find, weight, groupByHost, earliest, clamp01, strongest, overlaps } from '../helpers.js';
import { assessment, combine, effectShare, ETCD_EFFECTS } from './common.js';

export const cpuStarvation: Mechanism = {
  cause: 'cpu-starvation',
  title: 'CPU starvation on a control-plane host',
  chain: [
    { key: 'node-cpu-saturation', lagMs: [0, 0], because: 'a co-located CPU-bound workload takes every core' },
    { key: 'etcd-request-slow', lagMs: [0, 60_000], because: 'etcd applies and heartbeats wait for CPU' },
    { key: 'apiserver-latency-high', lagMs: [0, 90_000], because: 'kube-apiserver on the same host is starved too' },
    { key: 'apiserver-errors', lagMs: [0, 180_000], because: 'requests run into the etcd request timeout' },
    { key: 'etcd-leader-election', lagMs: [0, 300_000], because: 'a starved leader misses heartbeats' },
    { key: 'controller-lease-lost', lagMs: [0, 300_000], because: 'lease renewals miss the renew deadline' },
  ],
  explains: ['node-cpu-saturation', 'etcd-request-slow', 'etcd-heartbeat-late', 'kubelet-slow', 'apiserver-latency-high', 'apiserver-errors', 'etcd-leader-election', 'controller-lease-lost'],
  evaluate(ctx) {
    const cp = ctx.topology.controlPlaneHosts.length ? ctx.topology.controlPlaneHosts : ctx.topology.etcdHosts;
    const cpu = groupByHost(find(ctx, 'node-cpu-saturation'));
    const slow = groupByHost(find(ctx, 'kubelet-slow'));
    let best: { host: string; score: number } | undefined;
    for (const [h, list] of cpu) {
      if (cp.length && !cp.includes(h)) continue;
      const s = weight(list) + 0.3 * weight(slow.get(h) ?? []);
      if (!best || s > best.score || (s === best.score && h < best.host)) best = { host: h, score: s };
    }
    if (!best) return undefined;
    const h = best.host;
    const roots = cpu.get(h)!;
    const onsetMs = earliest(roots)!.startMs;
    const forClaims: { claim: string; obs?: (typeof roots)[number] }[] = [{ claim: `${h} has no idle CPU`, obs: strongest(roots) }];
    const against: { claim: string; obs?: (typeof roots)[number] }[] = [];
    let penalty = 1;
    const k = slow.get(h);
    if (k?.length) forClaims.push({ claim: `kubelet housekeeping on ${h} runs late`, obs: strongest(k) });
    const local = [...find(ctx, 'etcd-request-slow', { host: h }), ...find(ctx, 'etcd-heartbeat-late', { host: h })].filter((o) => roots.some((r) => overlaps(o, r, 60_000)));
    if (local.length) forClaims.push({ claim: `etcd on ${h} is slow while its CPU is saturated`, obs: strongest(local) });
    // a saturated disk on the same host is the better explanation (iowait is not idle)
    const disk = find(ctx, 'node-disk-saturation', { host: h }).filter((o) => roots.some((r) => overlaps(o, r, 60_000)));
    if (disk.length && weight(disk) > 0.4) {
      penalty *= 0.5;
      against.push({ claim: `the disk of ${h} is saturated at the same time: I/O, not CPU, may be the bottleneck`, obs: strongest(disk) });
    }
    const fsync = find(ctx, 'etcd-wal-fsync-slow', { host: h, basis: ['metric'] }).filter((o) => (o.peak ?? 0) > 0.1);
    if (fsync.length && disk.length) {
      penalty *= 0.7;
      against.push({ claim: `WAL fsync p99 on ${h} is far above what CPU contention causes`, obs: strongest(fsync) });
    }
    // Locality: a CPU hog on one host starves that host's members. When every control-plane host
    // is saturated at the same time (one hypervisor, a cluster-wide batch), CPU does not explain
    // why one member alone is slow; and a member whose own WAL fsync takes 100s of ms while its
    // neighbours, just as starved, stay fast has a disk problem, not a CPU one.
    const alike = [...cpu.entries()].filter(([other, list]) => other !== h && (!cp.length || cp.includes(other)) && list.some((o) => roots.some((r) => overlaps(o, r, 30_000))));
    if (cp.length >= 2 && alike.length >= cp.length - 1) {
      penalty *= 0.6;
      against.push({ claim: `CPU is saturated on ${[h, ...alike.map(([o]) => o)].sort().join(', ')} alike, not on ${h} alone: it does not single out a host`, obs: strongest(alike[0]![1]) });
      const fsyncByHost = groupByHost(find(ctx, 'etcd-wal-fsync-slow', { basis: ['metric'] }).filter((o) => (o.peak ?? 0) > 0.1));
      if (fsyncByHost.size > 0 && fsyncByHost.size < cp.length) {
        const [fh, fl] = [...fsyncByHost.entries()].sort((a, b) => weight(b[1]) - weight(a[1]))[0]!;
        penalty *= 0.5;
        against.push({ claim: `only ${[...fsyncByHost.keys()].sort().join(', ')} has slow WAL fsync while every host is equally starved: that is ${fh}'s disk`, obs: strongest(fl) });
      }
    }
    // A saturation that was there from the first sample to the last is this host's normal state
    // in this window, not an event: without damage that starts inside the window it explains nothing.
    // (within 30 s of either edge: a couple of scrapes, and an idle ratio rated over them)
    const edgeMs = 30_000;
    const steady = roots.every((o) => o.startMs <= ctx.window.fromMs + edgeMs && o.endMs >= ctx.window.toMs - edgeMs);
    const eff = effectShare(ctx, ETCD_EFFECTS, onsetMs, 600_000);
    if (steady) {
      penalty *= eff.share >= 0.66 ? 0.8 : 0.5;
      against.push({ claim: `${h} had no idle CPU from the start of the window to its end: no change marks an onset, it may be this host's normal load`, obs: strongest(roots) });
    }
    const dose = clamp01(Math.max(...roots.map((o) => o.strength)));
    const fit = combine({ root: clamp01(best.score), dose, effects: eff.share, locality: local.length ? 1 : 0.4, penalty });
    const missing: string[] = [];
    if (!ctx.coverage.iostat && !ctx.coverage.metricIds.has('node_disk_util_ratio')) missing.push(`disk statistics of ${h} would rule out a slow disk`);
    return assessment({ fit, onsetMs, culprit: { component: 'node', host: h }, roots, for: forClaims, against, missing, scores: { root: clamp01(best.score), dose, effects: eff.share, penalty } });
  },
  actionItems: [
    'Reserve CPU for the control plane: kubelet --system-reserved / --kube-reserved on control-plane nodes, and Guaranteed QoS for static pods.',
    'Keep tenant workloads off control-plane nodes (remove tolerations of node-role.kubernetes.io/control-plane; set CPU limits).',
    'Alert on node CPU idle < 5 % for 5 m on control-plane nodes and on go_sched_latencies_seconds p99.',
  ],
  nextChecks: (host) => [
    { kind: 'promql', query: `avg by (instance) (rate(node_cpu_seconds_total{mode="idle",instance=~"${host ?? '.*'}.*"}[1m]))`, why: 'idle CPU share on the suspected host' },
    { kind: 'command', query: `kubectl get pods -A -o wide --field-selector spec.nodeName=${host ?? '<node>'}`, why: 'which workloads run on the control-plane host' },
  ],
};
