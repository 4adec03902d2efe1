/**
 * A node runs out of memory: MemoryPressure, kubelet evictions, the kernel OOM killer (system-wide,
 * not a single container's cgroup limit).
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest, leadingHost } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const nodeMemoryPressure: Mechanism = {
  cause: 'node-memory-pressure',
  title: 'Node out of memory',
  chain: [
    { key: 'memory-pressure', lagMs: [0, 0], because: 'available memory falls below the eviction threshold' },
    { key: 'pod-evicted', lagMs: [0, 300_000], because: 'the kubelet evicts pods to reclaim memory' },
    { key: 'pods-pending', lagMs: [0, 600_000], because: 'replacements find no node with room' },
  ],
  explains: ['memory-pressure', 'oom-kill-system', 'pod-evicted', 'pods-pending'],
  evaluate(ctx) {
    const mem = [...find(ctx, 'memory-pressure'), ...find(ctx, 'oom-kill-system')];
    if (mem.length === 0) return undefined;
    const lead = leadingHost(mem);
    const host = lead?.host;
    const roots = host ? mem.filter((o) => o.host === host) : mem;
    const onsetMs = earliest(roots)!.startMs;
    const evicted = find(ctx, 'pod-evicted', host ? { host } : {});
    const forClaims: { claim: string; obs?: Observation }[] = [{ claim: `${host ?? 'a node'} is under memory pressure`, obs: strongest(roots) }];
    if (evicted.length) forClaims.push({ claim: 'the kubelet evicted pods', obs: strongest(evicted) });
    const eff = effectShare(ctx, ['pod-evicted', 'pods-pending'], onsetMs, 900_000, 2);
    const fit = combine({ root: clamp01(weight(roots) + 0.15 * new Set(roots.map((o) => o.basis)).size), dose: clamp01(weight(roots)), effects: eff.share, locality: host ? 1 : 0.3 });
    return assessment({ fit, onsetMs, culprit: host ? { component: 'node', host } : { component: 'node' }, roots, for: forClaims, against: [], scores: { root: weight(roots), effects: eff.share } });
  },
  actionItems: [
    'Set memory requests and limits on the workload that grew; reserve memory for the system (--system-reserved, --eviction-hard).',
    'Alert on node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 10 % and kube_node_status_condition{condition="MemoryPressure"}.',
  ],
  nextChecks: (host) => [
    { kind: 'promql', query: `node_memory_MemAvailable_bytes{instance=~"${host ?? '.*'}.*"}`, why: 'memory left on the node' },
    { kind: 'log-search', query: `"invoked oom-killer" OR "Eviction manager" host:${host ?? '*'}`, why: 'what was killed or evicted' },
  ],
};
