/**
 * Latency or loss between etcd members: peer round trips exceed the heartbeat interval, streams
 * drop, ReadIndex times out, elections follow, while disks stay healthy.
 * @see https://etcd.io/docs/v3.5/tuning/ (heartbeat 100 ms, election timeout 1 s; heartbeat ~ RTT)
 */
import type { Mechanism } from '../types.js';
import type { FactRecord, Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest, groupByHost } from '../helpers.js';
import { assessment, combine, effectShare, ETCD_EFFECTS } from './common.js';

/** How late a peer RTT histogram quantile over `rate(...[1m])` can show a change: range + scrape. */
const RTT_DETECTION_LAG_MS = 90_000;

/**
 * The first of a run of ReadIndex waits (three within 10 s, on any member) in [fromMs, toMs]: one
 * stray slow read is noise, a run is every linearizable read missing its retry timeout.
 */
function firstReadIndexWait(facts: readonly FactRecord[], fromMs: number, toMs: number): number | undefined {
  const t = facts.filter((f) => f.fact.key === 'etcd-request-slow' && f.fact.detail?.['kind'] === 'read-index' && f.atMs >= fromMs && f.atMs <= toMs).map((f) => f.atMs).sort((a, b) => a - b);
  for (let i = 0; i + 2 < t.length; i++) if (t[i + 2]! - t[i]! <= 10_000) return t[i];
  return undefined;
}

/**
 * The member at the centre of the unhealthy links. A link is a reporter and the peer it names
 * (log lines: `remote-peer-id`; the RTT histogram: its `To` label); each link's evidence grows
 * with the log of its lines or points, and a member scores the evidence of every link it is on:
 * a delay on one member's traffic makes every link to it slow, and no link between the others.
 */
function linkCulprit(obs: Observation[], memberHosts: Record<string, string>): string | undefined {
  const links = new Map<string, number>();
  const score = new Map<string, number>();
  const add = (h: string, w: number) => score.set(h, (score.get(h) ?? 0) + w);
  for (const o of obs) {
    if (!o.host) continue;
    const peers = [...(o.tags['peer'] ?? []), ...(o.tags['To'] ?? [])].map((p) => memberHosts[p]).filter((h): h is string => h !== undefined && h !== o.host);
    const w = Math.log2(1 + o.count);
    if (peers.length === 0) add(o.host, 0.5 * w); // a reporter alone: half a link
    for (const p of new Set(peers)) {
      const key = [o.host, p].sort().join('|');
      links.set(key, (links.get(key) ?? 0) + w);
    }
  }
  for (const [key, w] of links) for (const h of key.split('|')) add(h, w);
  let best: string | undefined;
  for (const [h, s] of score) if (best === undefined || s > score.get(best)! || (s === score.get(best)! && h < best)) best = h;
  return best;
}

export const etcdNetworkLatency: Mechanism = {
  cause: 'etcd-network-latency',
  title: 'Network latency or loss between etcd members',
  chain: [
    { key: 'etcd-peer-rtt-high', lagMs: [0, 0], because: 'peer round trips exceed the heartbeat interval' },
    { key: 'etcd-request-slow', lagMs: [0, 60_000], because: 'ReadIndex and proposals wait for the slow links' },
    { key: 'apiserver-latency-high', lagMs: [0, 90_000], because: 'kube-apiserver waits on etcd' },
    { key: 'apiserver-errors', lagMs: [0, 120_000], because: 'requests time out ("possibly due to connection lost")' },
    { key: 'etcd-leader-election', lagMs: [0, 300_000], because: 'followers miss heartbeats for an election timeout' },
    { key: 'controller-lease-lost', lagMs: [0, 300_000], because: 'lease renewals time out' },
  ],
  explains: ['etcd-peer-rtt-high', 'etcd-request-slow', 'etcd-heartbeat-late', 'etcd-leader-election', 'apiserver-latency-high', 'apiserver-errors', 'controller-lease-lost', 'node-not-ready'],
  evaluate(ctx) {
    const rtt = find(ctx, 'etcd-peer-rtt-high');
    const readIndex = find(ctx, 'etcd-request-slow').filter((o) => (o.tags['kind'] ?? []).includes('read-index') || o.metric === 'etcd_slow_read_indexes_per_s');
    if (rtt.length === 0) return undefined;
    // ReadIndex waits are everywhere a linearizable read waits on the leader: they say nothing of which link is slow
    const host = linkCulprit(rtt, ctx.topology.memberHosts);
    const roots = [...rtt, ...readIndex];
    // RTT histograms are scraped and rated over a minute, so they show a new latency late; the
    // ReadIndex waits it causes are logged the moment a read misses its 500 ms retry. Those that
    // lead into the RTT episode (within that lag) date the onset.
    const rttStart = earliest(rtt)!.startMs;
    // (with metrics only, etcd_server_slow_read_indexes_total counts the same waits)
    const slowReads = readIndex.filter((o) => o.basis === 'metric' && o.startMs < rttStart && o.startMs >= rttStart - RTT_DETECTION_LAG_MS && o.endMs >= rttStart - 15_000);
    const onsetMs = Math.min(rttStart, firstReadIndexWait(ctx.facts ?? [], rttStart - RTT_DETECTION_LAG_MS, rttStart) ?? Infinity, earliest(slowReads)?.startMs ?? Infinity);
    const forClaims: { claim: string; obs?: Observation }[] = [{ claim: 'etcd peers report slow or broken links', obs: strongest(rtt) }];
    if (readIndex.length) forClaims.push({ claim: 'ReadIndex requests time out (slow network to the leader)', obs: strongest(readIndex) });
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    const fsync = host ? find(ctx, 'etcd-wal-fsync-slow', { host }) : [];
    if (weight(fsync) > 0.6) {
      penalty *= 0.6;
      against.push({ claim: `WAL fsync is slow on ${host}: a slow disk also stalls peer traffic`, obs: strongest(fsync) });
    }
    // drift the prober reports while round trips are slow is the delay itself (see etcd-clock-skew);
    // only drift that a node clock metric shows, or that came first, argues for the clock
    const drift = find(ctx, 'etcd-clock-drift').filter((o) => o.basis === 'metric' || o.startMs + 5_000 < onsetMs);
    if (weight(drift) > 0.5) {
      penalty *= 0.6;
      against.push({ claim: 'members report clock drift, which also shows as prober failures', obs: strongest(drift) });
    }
    const metricRtt = rtt.filter((o) => o.basis === 'metric');
    const dose = clamp01(Math.max(0, ...metricRtt.map((o) => (o.peak ?? 0) / 0.5)) + 0.15 * Math.log2(1 + rtt.filter((o) => o.basis === 'log').reduce((a, o) => a + o.count, 0)));
    const eff = effectShare(ctx, ETCD_EFFECTS, onsetMs, 600_000);
    const byHost = groupByHost(rtt);
    const fit = combine({ root: clamp01(weight(rtt) + 0.3 * weight(readIndex)), dose, effects: eff.share, locality: host && byHost.size ? 0.8 : 0.4, penalty });
    const missing: string[] = [];
    if (!ctx.coverage.metricIds.has('etcd_peer_rtt_p99_s')) missing.push('etcd_network_peer_round_trip_time_seconds would measure the peer latency directly');
    return assessment({ fit, onsetMs, ...(host ? { culprit: { component: 'etcd', host } } : { culprit: { component: 'etcd' } }), roots, for: forClaims, against, missing, scores: { root: weight(rtt), dose, effects: eff.share, penalty } });
  },
  actionItems: [
    'Fix the network path between control-plane nodes (bond/ToR port, MTU, packet loss) and keep etcd peers in one low-latency zone.',
    'Alert on histogram_quantile(0.99, rate(etcd_network_peer_round_trip_time_seconds_bucket[5m])) > 0.15 s.',
    'If the latency is permanent, tune --heartbeat-interval to ~RTT and --election-timeout to >= 5x heartbeat.',
  ],
  nextChecks: (host) => [
    { kind: 'promql', query: 'histogram_quantile(0.99, sum by (instance, To, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[1m])))', why: 'peer RTT per link' },
    { kind: 'log-search', query: `"prober detected unhealthy status" OR "lost TCP streaming connection" ${host ? `host:${host}` : ''}`.trim(), why: 'which links broke and when' },
  ],
};
