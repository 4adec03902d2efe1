/**
 * A relist storm: a kube-apiserver restarts (OOM, upgrade) or its watch cache resets; watchers get
 * "too old resource version" and every informer re-LISTs at once, overloading the apiserver and etcd.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const watchCacheRelistStorm: Mechanism = {
  cause: 'watch-cache-relist-storm',
  title: 'Watch cache reset and relist storm',
  chain: [
    { key: 'apiserver-relist-storm', lagMs: [0, 0], because: 'watches expire; every informer re-LISTs' },
    { key: 'etcd-request-slow', lagMs: [0, 60_000], because: 'the LISTs hit etcd' },
    { key: 'apiserver-latency-high', lagMs: [0, 60_000], because: 'the apiserver is busy serving LISTs' },
    { key: 'apiserver-throttling', lagMs: [0, 120_000], because: 'in-flight seats run out; 429s' },
  ],
  explains: ['apiserver-relist-storm', 'apiserver-list-surge', 'apiserver-restart', 'etcd-request-slow', 'apiserver-latency-high', 'apiserver-throttling', 'apiserver-errors', 'admission-webhook-slow'],
  evaluate(ctx) {
    const storm = find(ctx, 'apiserver-relist-storm');
    if (storm.length === 0) return undefined;
    // a LIST surge supports a relist storm, but one flooding client makes one too
    const surge = find(ctx, 'apiserver-list-surge');
    // reflectors on many clients report it; one line is routine
    const reporters = new Set(storm.filter((o) => o.basis !== 'metric' && o.basis !== 'audit').map((o) => `${o.component}/${o.host ?? ''}`));
    const onsetMs = earliest(storm)!.startMs;
    const restart = find(ctx, 'apiserver-restart').filter((o) => o.startMs >= onsetMs - 600_000 && o.startMs <= onsetMs + 60_000);
    const host = strongest(restart)?.host ?? ctx.topology.apiserverLogHost;
    const forClaims: { claim: string; obs?: Observation }[] = [{ claim: `watchers re-list (${reporters.size} clients report too old resource versions)`, obs: strongest(storm) }];
    if (restart.length) forClaims.push({ claim: `a kube-apiserver restarted just before${host ? ` (${host})` : ''}`, obs: strongest(restart) });
    const root = clamp01(weight(storm) * (reporters.size >= 3 ? 1 : 0.6) + (restart.length ? 0.25 : 0));
    const dose = clamp01(reporters.size / 8 + 0.3 * weight([...storm.filter((o) => o.basis === 'audit' || o.basis === 'metric'), ...surge]));
    const eff = effectShare(ctx, ['etcd-request-slow', 'apiserver-latency-high', 'apiserver-throttling'], onsetMs, 300_000, 2);
    const against: { claim: string; obs?: Observation }[] = [];
    if (restart.length === 0) against.push({ claim: 'no apiserver restart or watch-cache reset seen before the relists' });
    const fit = combine({ root, dose, effects: eff.share, locality: restart.length ? 1 : 0.4, penalty: restart.length ? 1 : 0.8 });
    const missing: string[] = [];
    if (!ctx.coverage.events && !ctx.coverage.apiserverLog) missing.push('kube-apiserver logs or Events would show whether an apiserver restarted');
    return assessment({ fit, onsetMs, culprit: host ? { component: 'kube-apiserver', host } : { component: 'kube-apiserver' }, roots: [...storm, ...restart], for: forClaims, against, missing, scores: { root, dose, effects: eff.share } });
  },
  actionItems: [
    'Find why the apiserver restarted (OOM: raise its memory limit; upgrades: roll one apiserver at a time behind the load balancer).',
    'Enable WatchList / consistent reads from cache (Kubernetes >= 1.31) and keep --watch-cache-sizes sufficient for hot resources.',
    'Give system informers their own APF priority levels so a relist storm cannot starve node heartbeats.',
  ],
  nextChecks: () => [
    { kind: 'promql', query: 'sum by (instance) (rate(apiserver_request_total{verb="LIST"}[1m]))', why: 'LIST rate per apiserver' },
    { kind: 'log-search', query: '"too old resource version" OR "Terminating all watchers from cacher"', why: 'which clients relisted and when' },
  ],
};
