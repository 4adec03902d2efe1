/** Building blocks the mechanism modules share: effect sets and the standard fit formula. */
import type { FactKey } from '../../signals/index.js';
import type { Observation } from '../../anomaly/index.js';
import type { Assessment, MechanismContext } from '../types.js';
import { clamp01, effectsAfter } from '../helpers.js';

/** Damage an etcd-side cause does to the control plane (DOMAIN.md, stages 2-4). */
export const ETCD_EFFECTS: readonly FactKey[] = ['etcd-request-slow', 'etcd-leader-election', 'apiserver-latency-high', 'apiserver-errors', 'controller-lease-lost', 'node-not-ready'];
export const API_EFFECTS: readonly FactKey[] = ['apiserver-latency-high', 'apiserver-errors', 'apiserver-throttling', 'controller-lease-lost'];

/** How much of the expected damage is there: distinct effect kinds seen after the onset, saturating at `full`. */
export function effectShare(ctx: MechanismContext, keys: readonly FactKey[], onsetMs: number, afterMs: number, full = 3): { share: number; obs: Observation[] } {
  const obs = effectsAfter(ctx, keys, onsetMs, afterMs, 10_000);
  const kinds = new Set(obs.map((o) => o.key));
  return { share: clamp01(kinds.size / full), obs };
}

/** The standard combination: root evidence dominates, effects and locality refine, penalties multiply. */
export function combine(parts: { root: number; dose: number; effects: number; locality?: number; penalty?: number }): number {
  const locality = parts.locality ?? 0.5;
  const raw = 0.45 * parts.root + 0.2 * parts.dose + 0.25 * parts.effects + 0.1 * locality;
  return clamp01(raw * (parts.penalty ?? 1));
}

export function assessment(a: Omit<Assessment, 'missing' | 'scores'> & Partial<Pick<Assessment, 'missing' | 'scores'>>): Assessment {
  return { missing: [], scores: {}, ...a };
}
