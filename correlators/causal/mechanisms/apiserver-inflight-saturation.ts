/**
 * A client floods one kube-apiserver (typically unpaginated LISTs): in-flight limits are reached,
 * API Priority and Fairness rejects with 429, latency rises for everyone on that server.
 * @see https://kubernetes.io/docs/concepts/cluster-administration/flow-control/
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest, leadingHost } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const apiserverInflightSaturation: Mechanism = {
  cause: 'apiserver-inflight-saturation',
  title: 'kube-apiserver in-flight saturation (client flood)',
  chain: [
    { key: 'apiserver-throttling', lagMs: [0, 0], because: 'the flood fills the in-flight limit; APF answers 429' },
    { key: 'apiserver-latency-high', lagMs: [0, 60_000], because: 'queued requests wait for seats' },
    { key: 'apiserver-errors', lagMs: [0, 300_000], because: 'requests time out in the queue' },
  ],
  explains: ['apiserver-throttling', 'apiserver-list-surge', 'apiserver-latency-high', 'apiserver-errors', 'admission-webhook-slow', 'etcd-request-slow'],
  evaluate(ctx) {
    const thr = find(ctx, 'apiserver-throttling');
    if (thr.length === 0) return undefined;
    const onsetMs = earliest(thr)!.startMs;
    const lead = leadingHost(thr, ctx.topology.controlPlaneHosts);
    const host = lead?.host ?? ctx.topology.apiserverLogHost;
    const forClaims: { claim: string; obs?: Observation }[] = [{ claim: 'the API server rejects requests with 429 / its in-flight limit is reached', obs: strongest(thr) }];
    const surge = find(ctx, 'apiserver-list-surge').filter((o) => o.startMs <= onsetMs + 60_000 && o.endMs >= onsetMs - 60_000);
    if (surge.length) forClaims.push({ claim: 'LIST requests surge at the same time (a client listing without pagination)', obs: strongest(surge) });
    const agents = thr.flatMap((o) => o.tags['agent'] ?? []);
    if (agents.length) forClaims.push({ claim: `throttled clients: ${[...new Set(agents)].slice(0, 3).join(', ')}` });
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    // a relist storm after an apiserver restart produces the same 429s
    const relist = find(ctx, 'apiserver-relist-storm').filter((o) => o.startMs <= onsetMs + 30_000);
    const restart = find(ctx, 'apiserver-restart').filter((o) => o.startMs <= onsetMs + 30_000 && o.startMs >= onsetMs - 600_000);
    if (weight(relist) > 0.5 || restart.length) {
      penalty *= 0.45;
      against.push({ claim: 'watches were re-established (too old resource version / apiserver restart) before the 429s: a relist storm', obs: strongest([...relist, ...restart]) });
    }
    const etcdFirst = [...find(ctx, 'etcd-wal-fsync-slow'), ...find(ctx, 'etcd-db-space-exceeded')].filter((o) => o.startMs < onsetMs - 10_000 && o.strength > 0.5);
    if (etcdFirst.length) {
      penalty *= 0.5;
      against.push({ claim: 'etcd was degraded first; slow etcd also fills in-flight seats', obs: strongest(etcdFirst) });
    }
    const dose = clamp01(Math.max(...thr.map((o) => o.strength)));
    const eff = effectShare(ctx, ['apiserver-latency-high', 'apiserver-errors'], onsetMs, 300_000, 2);
    const fit = combine({ root: clamp01(weight(thr)), dose, effects: eff.share, locality: lead ? 0.9 : 0.4, penalty });
    return assessment({ fit, onsetMs, culprit: host ? { component: 'kube-apiserver', host } : { component: 'kube-apiserver' }, roots: thr, for: forClaims, against, scores: { root: weight(thr), dose, effects: eff.share, penalty } });
  },
  actionItems: [
    'Find the flooding client (audit userAgent / user) and fix it: paginate LISTs, use informers/watch instead of polling.',
    'Give it its own FlowSchema / PriorityLevelConfiguration so it cannot starve system traffic.',
    'Alert on apiserver_flowcontrol_rejected_requests_total and apiserver_current_inflight_requests near --max-requests-inflight.',
  ],
  nextChecks: (host) => [
    { kind: 'promql', query: `sum by (instance, request_kind) (apiserver_current_inflight_requests{instance=~"${host ?? '.*'}.*"})`, why: 'in-flight seats used per apiserver' },
    { kind: 'log-search', query: 'responseStatus.code:429 | stats count by userAgent', why: 'which client is throttled most' },
  ],
};
