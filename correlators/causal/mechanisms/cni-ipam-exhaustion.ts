/**
 * The CNI plugin's IPAM runs out of addresses on a node: sandboxes fail to be created, pods stay
 * in ContainerCreating.
 * @see https://www.cni.dev/plugins/current/ipam/host-local/ ("no IP addresses available in range set")
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest, leadingHost } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const cniIpamExhaustion: Mechanism = {
  cause: 'cni-ipam-exhaustion',
  title: 'CNI IP address pool exhausted',
  chain: [
    { key: 'ipam-exhaustion', lagMs: [0, 0], because: 'the node pod CIDR has no free address' },
    { key: 'pods-pending', lagMs: [0, 600_000], because: 'pods stay in ContainerCreating' },
  ],
  explains: ['ipam-exhaustion', 'pods-pending'],
  evaluate(ctx) {
    const ipam = find(ctx, 'ipam-exhaustion');
    if (ipam.length === 0) return undefined;
    const lead = leadingHost(ipam);
    const host = lead?.host;
    const roots = host ? ipam.filter((o) => o.host === host) : ipam;
    const count = roots.reduce((a, o) => a + o.count, 0);
    const onsetMs = earliest(roots)!.startMs;
    const eff = effectShare(ctx, ['pods-pending'], onsetMs, 600_000, 1);
    const fit = combine({ root: clamp01(weight(roots)), dose: clamp01(0.15 * Math.log2(1 + count)), effects: Math.max(eff.share, 0.5), locality: host ? 1 : 0.3, penalty: count < 3 ? 0.5 : 1 });
    return assessment({ fit, onsetMs, culprit: host ? { component: 'cni', host } : { component: 'cni' }, roots, for: [{ claim: `sandbox creation fails for lack of pod IPs${host ? ` on ${host}` : ''}`, obs: strongest(roots) }], against: [], scores: { count } });
  },
  actionItems: [
    'Free leaked IPs (stale host-local allocations in /var/lib/cni/networks) and size the per-node pod CIDR above max-pods.',
    'Alert on FailedCreatePodSandBox events with IPAM errors.',
  ],
  nextChecks: (host) => [
    { kind: 'command', query: `ls /var/lib/cni/networks/*/ | wc -l  # on ${host ?? 'the node'}`, why: 'allocated addresses versus the range' },
    { kind: 'log-search', query: '"failed to allocate for range" OR "no IP addresses available"', why: 'which nodes ran out' },
  ],
};
