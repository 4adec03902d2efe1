/**
 * Image pulls fail or time out (registry down, rate-limited, wrong tag, auth): ErrImagePull, then
 * ImagePullBackOff; new pods never start.
 * @see https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff
 */
import type { Mechanism } from '../types.js';
import type { Observation } from '../../anomaly/index.js';
import { find, weight, earliest, clamp01, strongest } from '../helpers.js';
import { assessment, combine, effectShare } from './common.js';

export const imagePullFailure: Mechanism = {
  cause: 'image-pull-failure',
  title: 'Image pulls failing',
  chain: [
    { key: 'image-pull-backoff', lagMs: [0, 0], because: 'pulls fail; the kubelet backs off' },
    { key: 'pods-pending', lagMs: [0, 600_000], because: 'pods wait for their image' },
  ],
  explains: ['image-pull-backoff', 'pods-pending'],
  evaluate(ctx) {
    const img = find(ctx, 'image-pull-backoff');
    if (img.length === 0) return undefined;
    const count = img.reduce((a, o) => a + o.count, 0);
    const pods = new Set(img.flatMap((o) => o.tags['pod'] ?? []));
    const onsetMs = earliest(img)!.startMs;
    const against: { claim: string; obs?: Observation }[] = [];
    let penalty = 1;
    if (count < 4) {
      penalty *= 0.4;
      against.push({ claim: 'a single failed pull, retried successfully or not, is routine' });
    }
    const eff = effectShare(ctx, ['pods-pending'], onsetMs, 600_000, 1);
    const dose = clamp01(0.15 * Math.log2(1 + count) + 0.1 * pods.size);
    const fit = combine({ root: clamp01(weight(img)), dose, effects: Math.max(eff.share, pods.size >= 2 ? 0.6 : 0.2), locality: 0.7, penalty });
    return assessment({ fit, onsetMs, culprit: { component: 'image-registry' }, roots: img, for: [{ claim: `${count} image pull failures${pods.size ? ` across ${pods.size} pods` : ''}`, obs: strongest(img) }], against, scores: { dose, penalty } });
  },
  actionItems: [
    'Check the registry (availability, rate limits, credentials in imagePullSecrets) and the image reference of the rollout.',
    'Mirror critical images to a registry you run; pin images by digest; alert on kube_pod_container_status_waiting_reason{reason=~"ErrImagePull|ImagePullBackOff"}.',
  ],
  nextChecks: () => [
    { kind: 'promql', query: 'sum by (namespace, reason) (kube_pod_container_status_waiting_reason{reason=~"ErrImagePull|ImagePullBackOff"})', why: 'pods stuck on pulls' },
    { kind: 'log-search', query: '"Failed to pull image"', why: 'the registry error' },
  ],
};
