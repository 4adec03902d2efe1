/**
 * A slow or failing admission webhook: every matching write waits up to the webhook timeout;
 * with failurePolicy Fail it is rejected. Slowness that starts after the apiserver is already
 * overloaded is an effect, not the cause.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#timeouts
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const admissionWebhookLatency: Mechanism = {
  cause: 'admission-webhook-latency',
  title: 'Slow or failing admission webhook',
  chain: [
    { key: 'admission-webhook-slow', lagMs: [0, 0], because: 'the webhook answers slowly or not at all' },
    { key: 'apiserver-latency-high', lagMs: [0, 60_000], because: 'writes wait up to the webhook timeout' },
    { key: 'apiserver-errors', lagMs: [0, 120_000], because: 'with failurePolicy Fail, writes are rejected after the timeout' },
  ],
  explains: ['admission-webhook-slow', 'webhook-rejected', 'apiserver-latency-high', 'apiserver-errors'],
  evaluate(ctx) {
    const wh = find(ctx, 'admission-webhook-slow');
    if (wh.length === 0) return undefined;
    const onsetMs = earliest(wh)!.startMs;
    const forClaims: { claim: string; obs?: Observation }[] = [{ claim: 'calls to the admission webhook are slow or fail', obs: strongest(wh) }];
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    // overload that began well before the webhook slowed down explains it away
    const prior = [...find(ctx, 'apiserver-throttling'), ...find(ctx, 'apiserver-relist-storm'), ...find(ctx, 'etcd-wal-fsync-slow'), ...find(ctx, 'etcd-backend-commit-slow'), ...find(ctx, 'node-disk-saturation')].filter(
      (o) => o.startMs < onsetMs - 10_000 && o.endMs > onsetMs - 120_000 && o.strength > 0.4,
    );
    if (prior.length) {
      penalty *= 0.35;
      against.push({ claim: 'the API server (or etcd) was already degraded before the webhook slowed down: the webhook is likely a victim', obs: strongest(prior) });
    }
    const distinctBases = new Set(wh.map((o) => o.basis)).size;
    const dose = clamp01(Math.max(0, ...wh.filter((o) => o.basis === 'metric').map((o) => (o.peak ?? 0) / 5)) + 0.15 * Math.log2(1 + wh.reduce((a, o) => a + o.count, 0)));
    const eff = effectShare(ctx, ['apiserver-latency-high', 'apiserver-errors'], onsetMs, 300_000, 2);
    const fit = combine({ root: clamp01(weight(wh) + 0.1 * distinctBases), dose, effects: eff.share, locality: 0.7, penalty });
    const missing: string[] = [];
    if (!ctx.coverage.metricIds.has('apiserver_webhook_p99_s')) missing.push('apiserver_admission_webhook_admission_duration_seconds would show the webhook latency directly');
    return assessment({ fit, onsetMs, culprit: { component: 'admission-webhook' }, roots: wh, for: forClaims, against, missing, scores: { root: weight(wh), dose, effects: eff.share, penalty } });
  },
  actionItems: [
    'Set a short timeoutSeconds (1-5 s) on the webhook and scope it with namespaceSelector/objectSelector; exclude kube-system.',
    'Decide failurePolicy deliberately (Ignore for non-security webhooks) and run the webhook with several replicas and a PodDisruptionBudget.',
    'Alert on apiserver_admission_webhook_admission_duration_seconds p99 and apiserver_admission_webhook_rejection_count.',
  ],
  nextChecks: () => [
    { kind: 'promql', query: 'histogram_quantile(0.99, sum by (name, le) (rate(apiserver_admission_webhook_admission_duration_seconds_bucket[1m])))', why: 'latency per webhook' },
    { kind: 'log-search', query: '"Failed calling webhook"', why: 'which webhook and what error' },
  ],
};
