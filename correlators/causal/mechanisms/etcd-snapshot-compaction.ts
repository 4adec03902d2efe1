/**
 * etcd's own housekeeping blocks the backend: long compactions, defragmentation (which stops
 * the member) and snapshots make backend commit spike periodically, with request latency aligned
 * to those spikes.
 * @see https://etcd.io/docs/v3.5/op-guide/maintenance/ (defragmentation blocks the member)
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest, overlaps, groupByHost } from '../helpers.js';
import { assessment, combine } from './common.js';

/** A housekeeping line that took long enough to matter (1 s ~ the election timeout). */
const LONG_MS = 1000;

/** At least three stalls of one member whose gaps agree within 20 % (a schedule, not chance). */
function isPeriodic(obs: Observation[]): boolean {
  for (const list of groupByHost(obs).values()) {
    const starts = list.map((o) => o.startMs).sort((a, b) => a - b);
    if (starts.length < 3) continue;
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    const med = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    if (med >= 60_000 && gaps.filter((g) => Math.abs(g - med) <= 0.2 * med).length >= 2) return true;
  }
  return false;
}

export const etcdSnapshotCompaction: Mechanism = {
  cause: 'etcd-snapshot-compaction',
  title: 'etcd compaction, defragmentation or snapshots blocking the backend',
  chain: [
    { key: 'etcd-backend-commit-slow', lagMs: [0, 0], because: 'compaction / defrag / snapshot hold the backend' },
    { key: 'etcd-request-slow', lagMs: [0, 30_000], because: 'applies wait behind the backend lock' },
    { key: 'apiserver-latency-high', lagMs: [0, 60_000], because: 'API requests wait on etcd during each spike' },
    { key: 'etcd-leader-election', lagMs: [0, 900_000], because: 'a defragmenting leader stops answering heartbeats' },
  ],
  explains: ['etcd-backend-commit-slow', 'etcd-compaction', 'etcd-defrag', 'etcd-snapshot', 'etcd-request-slow', 'apiserver-latency-high', 'etcd-leader-election', 'apiserver-errors'],
  evaluate(ctx) {
    const house = [...find(ctx, 'etcd-compaction'), ...find(ctx, 'etcd-defrag'), ...find(ctx, 'etcd-snapshot')];
    const commit = find(ctx, 'etcd-backend-commit-slow');
    // defragmentation always blocks the member; compaction only matters when it runs long;
    // a snapshot line alone is routine (etcd snapshots every --snapshot-count entries)
    const longHouse = house.filter((o) => o.key === 'etcd-defrag' || (o.key === 'etcd-compaction' && (o.peak ?? 0) >= LONG_MS));
    if (longHouse.length === 0 && commit.length === 0) return undefined;
    // without etcd logs, housekeeping still shows as commit stalls that recur (compaction runs every 5 min)
    const periodic = longHouse.length === 0 && isPeriodic(commit) ? commit : [];
    // spikes that line up with housekeeping
    const aligned = commit.filter((c) => house.some((h) => overlaps(c, h, 30_000)));
    // damage that lines up with the housekeeping: API latency or errors, or applies slower than a
    // heartbeat interval can hide (routine 100-200 ms apply warnings do not count)
    const damage = [...find(ctx, 'apiserver-latency-high'), ...find(ctx, 'apiserver-errors'), ...find(ctx, 'etcd-request-slow').filter((o) => (o.basis === 'metric' ? o.strength >= 0.6 : (o.peak ?? 0) >= 500)), ...find(ctx, 'etcd-leader-election')];
    const spikes = [...longHouse, ...aligned, ...periodic, ...house.filter((o) => o.key === 'etcd-snapshot')];
    const effects = damage.filter((e) => spikes.some((h) => overlaps(e, h, 20_000)));
    const roots: Observation[] = [...longHouse, ...aligned, ...periodic];
    if (roots.length === 0 || (longHouse.length === 0 && periodic.length === 0)) return undefined;
    const onsetMs = earliest(roots)!.startMs;
    // culprit: the member whose defrag / snapshots / commit spikes weigh most
    const byHost = groupByHost([...longHouse.filter((o) => o.key !== 'etcd-compaction'), ...aligned]);
    let host: string | undefined;
    let hw = -1;
    for (const [h, list] of byHost) {
      const w = weight(list) + 0.5 * list.filter((o) => o.key === 'etcd-defrag' || o.key === 'etcd-snapshot').length;
      if (w > hw || (w === hw && host !== undefined && h < host)) {
        hw = w;
        host = h;
      }
    }
    const forClaims: { claim: string; obs?: Observation }[] = [];
    if (longHouse.length) forClaims.push({ claim: 'etcd housekeeping (compaction, defrag, snapshot) took long', obs: strongest(longHouse) });
    if (periodic.length) forClaims.push({ claim: `backend commit stalls recur ${periodic.length} times at regular intervals (housekeeping rhythm)`, obs: strongest(periodic) });
    if (aligned.length) forClaims.push({ claim: 'backend commit spikes line up with the housekeeping', obs: strongest(aligned) });
    if (effects.length) forClaims.push({ claim: 'request latency rises during the spikes', obs: strongest(effects) });
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    const disk = find(ctx, 'node-disk-saturation').filter((d) => roots.some((r) => overlaps(d, r, 60_000)));
    if (weight(disk) > 0.5) {
      penalty *= 0.5;
      against.push({ claim: 'a saturated disk explains the slow commits better', obs: strongest(disk) });
    }
    if (effects.length === 0) {
      penalty *= 0.3;
      against.push({ claim: 'no API latency, errors or long applies line up with the housekeeping: it is routine, not the incident' });
    }
    const maxTook = Math.max(0, ...longHouse.map((o) => o.peak ?? 0));
    const dose = clamp01(maxTook / 5000 + (longHouse.some((o) => o.key === 'etcd-defrag') ? 0.3 : 0) + 0.2 * weight(aligned));
    const fit = combine({ root: clamp01(weight(roots)), dose, effects: clamp01(new Set(effects.map((e) => e.key)).size / 2), locality: host ? 0.8 : 0.4, penalty });
    return assessment({ fit, onsetMs, culprit: host ? { component: 'etcd', host } : { component: 'etcd' }, roots, for: forClaims, against, scores: { root: weight(roots), dose, penalty } });
  },
  actionItems: [
    'Defragment one member at a time, never the leader under load, in a quiet window; stagger defrag cron jobs across members.',
    'Keep the database small (compaction retention, event TTL), so compaction and snapshots stay short.',
    'Alert on backend commit p99 > 0.25 s (etcd mixin) and correlate with "finished defragment" / "saved snapshot".',
  ],
  nextChecks: (host) => [
    { kind: 'promql', query: 'histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_backend_commit_duration_seconds_bucket[1m])))', why: 'commit spikes per member' },
    { kind: 'log-search', query: `"finished defragment" OR "saved snapshot" OR "finished scheduled compaction" ${host ? `host:${host}` : ''}`.trim(), why: 'housekeeping times to line up with the spikes' },
  ],
};
