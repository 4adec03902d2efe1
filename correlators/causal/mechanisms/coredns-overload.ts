/**
 * CoreDNS overloaded or crashing: lookups time out or SERVFAIL across the cluster. A handful of
 * upstream timeouts is routine; the cause needs sustained failures or CoreDNS itself unhealthy.
 * @see https://coredns.io/plugins/errors/
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest } from '../helpers.js';
import { assessment, combine } from './common.js';

export const corednsOverload: Mechanism = {
  cause: 'coredns-overload',
  title: 'CoreDNS overloaded or crashing',
  chain: [{ key: 'dns-failures', lagMs: [0, 0], because: 'CoreDNS cannot answer in time' }],
  explains: ['dns-failures', 'crashloop', 'probe-failed', 'oom-kill-cgroup'],
  evaluate(ctx) {
    const dns = find(ctx, 'dns-failures');
    if (dns.length === 0) return undefined;
    const count = dns.reduce((a, o) => a + o.count, 0);
    const metric = dns.filter((o) => o.basis === 'metric');
    const unhealthy = [...find(ctx, 'crashloop'), ...find(ctx, 'probe-failed'), ...find(ctx, 'oom-kill-cgroup')].filter((o) =>
      [...(o.tags['pod'] ?? []), ...(o.tags['container'] ?? []), ...(o.tags['process'] ?? [])].some((x) => /coredns/.test(x)),
    );
    const onsetMs = earliest([...dns, ...unhealthy])!.startMs;
    const forClaims: { claim: string; obs?: Observation }[] = [{ claim: `${count} failed DNS lookups`, obs: strongest(dns) }];
    if (unhealthy.length) forClaims.push({ claim: 'CoreDNS pods are unhealthy (probes, OOM kills, restarts)', obs: strongest(unhealthy) });
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    const span = Math.max(...dns.map((o) => o.endMs)) - Math.min(...dns.map((o) => o.startMs));
    if (metric.length === 0 && unhealthy.length === 0 && (count < 15 || span < 60_000)) {
      penalty *= 0.3;
      against.push({ claim: 'only a short blip of upstream timeouts; CoreDNS itself looks healthy' });
    }
    const dose = clamp01(0.12 * Math.log2(1 + count) + 0.4 * weight(metric) + 0.3 * weight(unhealthy));
    const fit = combine({ root: clamp01(weight(dns) + 0.2 * weight(unhealthy)), dose, effects: clamp01(unhealthy.length ? 1 : count > 30 ? 0.7 : 0.3), locality: 0.7, penalty });
    return assessment({ fit, onsetMs, culprit: { component: 'coredns' }, roots: [...dns, ...unhealthy], for: forClaims, against, scores: { dose, penalty } });
  },
  actionItems: [
    'Scale CoreDNS (replicas or the dns-autoscaler) and raise its memory limit; enable NodeLocal DNSCache to absorb bursts.',
    'Alert on coredns_dns_responses_total{rcode="SERVFAIL"} share and coredns_dns_request_duration_seconds p99.',
  ],
  nextChecks: () => [
    { kind: 'promql', query: 'sum(rate(coredns_dns_responses_total{rcode="SERVFAIL"}[1m])) / sum(rate(coredns_dns_responses_total[1m]))', why: 'share of failed answers' },
    { kind: 'command', query: 'kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide', why: 'CoreDNS restarts and placement' },
  ],
};
