/**
 * Clocks of etcd members drift apart: rafthttp's prober warns above 1 s of difference; leases
 * and leader timing get confused, elections and "leader changed" errors follow.
 * @see https://runbooks.prometheus-operator.dev/runbooks/node/nodeclockskewdetected (0.05 s)
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest } from '../helpers.js';
import { assessment, combine, effectShare, ETCD_EFFECTS } from './common.js';

/** The member named in every drifting pair: each peer complains about it, it complains about all. */
function driftCulprit(obs: Observation[], memberHosts: Record<string, string>): string | undefined {
  const named = new Map<string, number>();
  for (const o of obs) {
    if (o.basis === 'metric' && o.host) named.set(o.host, (named.get(o.host) ?? 0) + 10 * o.strength);
    for (const peer of o.tags['peer'] ?? []) {
      const h = memberHosts[peer];
      if (h) named.set(h, (named.get(h) ?? 0) + o.count);
    }
  }
  let best: string | undefined;
  for (const [h, s] of named) if (best === undefined || s > named.get(best)! || (s === named.get(best)! && h < best)) best = h;
  return best;
}

export const etcdClockSkew: Mechanism = {
  cause: 'etcd-clock-skew',
  title: 'Clock skew between etcd members',
  chain: [
    { key: 'etcd-clock-drift', lagMs: [0, 0], because: 'a member clock steps or drifts away from its peers' },
    { key: 'etcd-leader-election', lagMs: [0, 300_000], because: 'raft timing and lease checks go wrong across skewed clocks' },
    { key: 'apiserver-latency-high', lagMs: [0, 300_000], because: 'requests wait while leadership changes' },
    { key: 'apiserver-errors', lagMs: [0, 300_000], because: '"etcdserver: leader changed" errors' },
    { key: 'controller-lease-lost', lagMs: [0, 300_000], because: 'lease renewals fail during the leader change' },
  ],
  explains: ['etcd-clock-drift', 'etcd-leader-election', 'apiserver-latency-high', 'apiserver-errors', 'controller-lease-lost', 'etcd-peer-rtt-high'],
  evaluate(ctx) {
    const drift = find(ctx, 'etcd-clock-drift');
    if (drift.length === 0) return undefined;
    const etcd = ctx.topology.etcdHosts;
    const host = driftCulprit(drift, ctx.topology.memberHosts) ?? strongest(drift)?.host;
    const logs = drift.filter((o) => o.basis === 'log');
    const metric = drift.filter((o) => o.basis === 'metric' && (!o.host || etcd.length === 0 || etcd.includes(o.host)));
    const roots = [...logs, ...metric];
    if (roots.length === 0) return undefined;
    const onsetMs = earliest(metric.length ? metric : roots)!.startMs;
    const forClaims: { claim: string; obs?: Observation }[] = [];
    if (logs.length) forClaims.push({ claim: 'etcd peers report high clock drift', obs: strongest(logs) });
    if (metric.length) forClaims.push({ claim: `node clock offset is off${host ? ` on ${host}` : ''}`, obs: strongest(metric) });
    const dose = clamp01(Math.max(0, ...metric.map((o) => (o.peak ?? 0) / 1)) + (logs.length ? 0.6 : 0));
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    // rafthttp's prober estimates a peer's clock from one round trip, assuming it is symmetric:
    // while the round trips themselves take a second, the "drift" it reports is that delay
    if (metric.length === 0) {
      const rtt = find(ctx, 'etcd-peer-rtt-high').filter((o) => logs.some((d) => o.startMs <= d.endMs + 30_000 && d.startMs <= o.endMs + 90_000));
      if (rtt.length) {
        penalty *= 0.45;
        against.push({ claim: 'the drift is reported only while peer round trips are slow: the prober reads a delayed round trip as a clock difference', obs: strongest(rtt) });
      }
      if (ctx.coverage.metricIds.has('node_timex_offset_s')) {
        penalty *= 0.5;
        against.push({ claim: 'node_timex_offset_seconds shows every node clock in sync' });
      }
    }
    const eff = effectShare(ctx, ETCD_EFFECTS, onsetMs, 600_000);
    const fit = combine({ root: clamp01(weight(roots) + (logs.length && metric.length ? 0.2 : 0)), dose, effects: eff.share, locality: host ? 0.9 : 0.4, penalty });
    const missing: string[] = [];
    if (!ctx.coverage.metricIds.has('node_timex_offset_s')) missing.push('node_timex_offset_seconds (node_exporter timex collector) would show which clock moved');
    return assessment({ fit, onsetMs, culprit: host ? { component: 'etcd', host } : { component: 'etcd' }, roots, for: forClaims, against, missing, scores: { root: weight(roots), dose, effects: eff.share, penalty } });
  },
  actionItems: [
    'Fix time synchronisation on the drifting node (chrony/ntpd sources, `chronyc tracking`), and make control-plane nodes use the same trusted sources.',
    'Alert on abs(node_timex_offset_seconds) > 0.05 s (NodeClockSkewDetected) and on etcd "prober found high clock drift".',
  ],
  nextChecks: (host) => [
    { kind: 'promql', query: `node_timex_offset_seconds{instance=~"${host ?? '.*'}.*"}`, why: 'the clock offset of the suspected node' },
    { kind: 'command', query: `ssh ${host ?? '<node>'} chronyc tracking`, why: 'which time source the node follows' },
  ],
};
