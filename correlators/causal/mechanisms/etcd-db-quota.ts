/**
 * etcd's backend reaches its quota: NOSPACE alarm, every write refused with "mvcc: database space
 * exceeded"; leases cannot renew, nodes cannot post status.
 * @see https://etcd.io/docs/v3.5/op-guide/maintenance/#space-quota
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, clamp01, strongest } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const etcdDbQuota: Mechanism = {
  cause: 'etcd-db-quota',
  title: 'etcd database quota exceeded',
  chain: [
    { key: 'etcd-db-space-exceeded', lagMs: [0, 0], because: 'the backend reaches its quota and raises NOSPACE' },
    { key: 'apiserver-errors', lagMs: [0, 60_000], because: 'every write fails with "mvcc: database space exceeded"' },
    { key: 'controller-lease-lost', lagMs: [0, 120_000], because: 'lease updates are writes too' },
    { key: 'node-not-ready', lagMs: [0, 600_000], because: 'kubelets cannot post node status' },
    { key: 'pod-evicted', lagMs: [0, 900_000], because: 'NotReady nodes get their pods evicted' },
  ],
  explains: ['etcd-db-space-exceeded', 'apiserver-errors', 'controller-lease-lost', 'node-not-ready', 'pod-evicted', 'etcd-request-slow', 'node-status-update-failed'],
  evaluate(ctx) {
    const space = find(ctx, 'etcd-db-space-exceeded');
    // bursts are folded per fact key and host, so refused writes are the apiserver-errors tagged nospace
    const nospace: Observation[] = [];
    const auditNospace = find(ctx, 'apiserver-errors').filter((o) => (o.tags['cls'] ?? []).includes('nospace'));
    const roots: Observation[] = [...space, ...nospace, ...auditNospace];
    if (roots.length === 0) return undefined;
    // the incident starts when the quota is reached (alarm, refused writes), not when the db
    // crossed the 95 % warning level: for the size/quota series that is its peak
    const reached = roots.map((o) => (o.basis === 'metric' ? o.peakMs : o.startMs));
    const onsetMs = Math.min(...reached);
    const forClaims: { claim: string; obs?: Observation }[] = [];
    if (space.length) forClaims.push({ claim: 'etcd raised the NOSPACE alarm / the db reached its quota', obs: strongest(space) });
    if (nospace.length || auditNospace.length) forClaims.push({ claim: 'writes fail with "mvcc: database space exceeded"', obs: strongest([...nospace, ...auditNospace]) });
    const eff = effectShare(ctx, ['apiserver-errors', 'controller-lease-lost', 'node-not-ready', 'node-status-update-failed'], onsetMs, 900_000);
    const fit = combine({ root: clamp01(weight(roots) + 0.2), dose: clamp01(0.5 + 0.25 * new Set(roots.map((o) => o.basis)).size), effects: eff.share, locality: 0.8 });
    return assessment({ fit, onsetMs, culprit: { component: 'etcd' }, roots, for: forClaims, against: [], scores: { root: weight(roots), effects: eff.share } });
  },
  actionItems: [
    'Compact and defragment etcd, then `etcdctl alarm disarm`; raise --quota-backend-bytes only with disk headroom (max 8 GiB recommended).',
    'Find the writer that grew the keyspace (large ConfigMaps/Secrets/Events) and bound it; keep auto-compaction on.',
    'Alert on etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes > 0.8.',
  ],
  nextChecks: () => [
    { kind: 'promql', query: 'etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes', why: 'how close each member is to its quota' },
    { kind: 'command', query: 'etcdctl endpoint status -w table && etcdctl alarm list', why: 'db size and active alarms' },
  ],
};
