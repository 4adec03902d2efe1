/**
 * kube-scheduler (or a controller) falls behind on its client-side rate limit (--kube-api-qps):
 * bindings wait in client-go's limiter, pods stay Pending although nodes have room.
 * @see https://github.com/kubernetes/client-go/blob/master/rest/request.go ("Waited for ... due to client-side throttling")
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const schedulerThrottling: Mechanism = {
  cause: 'scheduler-throttling',
  title: 'Scheduler throttled by its client-side rate limit',
  chain: [
    { key: 'client-throttling', lagMs: [0, 0], because: 'API calls wait in the client-side rate limiter' },
    { key: 'pods-pending', lagMs: [0, 180_000], because: 'bindings are slower than pod creation' },
  ],
  explains: ['client-throttling', 'pods-pending'],
  evaluate(ctx) {
    const thr = find(ctx, 'client-throttling');
    if (thr.length === 0) return undefined;
    const sched = thr.filter((o) => o.component === 'kube-scheduler');
    const roots = sched.length ? sched : thr;
    const onsetMs = earliest(roots)!.startMs;
    const waits = roots.map((o) => o.peak ?? 0);
    const count = roots.reduce((a, o) => a + o.count, 0);
    const dose = clamp01(Math.max(0, ...waits) / 3000 + 0.1 * Math.log2(1 + count));
    const eff = effectShare(ctx, ['pods-pending'], onsetMs, 600_000, 1);
    const forClaims: { claim: string; obs?: Observation }[] = [{ claim: `${sched.length ? 'kube-scheduler' : 'a controller'} waits on client-side throttling`, obs: strongest(roots) }];
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    if (eff.obs.length) forClaims.push({ claim: 'pods stay Pending', obs: strongest(eff.obs) });
    else {
      penalty *= 0.6;
      against.push({ claim: 'no pending pods were seen: the throttling may be harmless' });
    }
    // short isolated waits (a few 1 s waits after a restart) are routine
    if (count < 5 && Math.max(0, ...waits) < 1500) {
      penalty *= 0.5;
      against.push({ claim: 'only a few short client-side waits' });
    }
    const host = ctx.topology.schedulerHost;
    const fit = combine({ root: clamp01(weight(roots)), dose, effects: eff.share, locality: host ? 0.9 : 0.5, penalty });
    return assessment({ fit, onsetMs, culprit: { component: sched.length ? 'kube-scheduler' : 'kube-controller-manager', ...(host ? { host } : {}) }, roots, for: forClaims, against, scores: { root: weight(roots), dose, effects: eff.share, penalty } });
  },
  actionItems: [
    'Restore kube-scheduler --kube-api-qps / --kube-api-burst (or the KubeSchedulerConfiguration clientConnection) to values sized for the cluster.',
    'Alert on scheduler_pending_pods and on rest_client_rate_limiter_duration_seconds p99 of control-plane components.',
  ],
  nextChecks: () => [
    { kind: 'promql', query: 'sum by (queue) (scheduler_pending_pods)', why: 'how many pods wait and where' },
    { kind: 'log-search', query: '"due to client-side throttling" component:kube-scheduler', why: 'how long bindings wait' },
  ],
};
