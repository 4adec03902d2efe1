/**
 * Fact kinds: what a single log line, Event or audit sample says, in our words. Symptom facts map
 * one-to-one to the chain vocabulary; clue facts are not symptoms but discriminate between
 * mechanisms (a defrag, an OOM kill, an apiserver restart, a late heartbeat).
 */
import type { Symptom } from './vocabulary.js';

export const CLUES = [
  'etcd-heartbeat-late',
  'etcd-compaction',
  'etcd-defrag',
  'etcd-snapshot',
  'etcd-member-map',
  'apiserver-restart',
  'lease-acquired',
  'node-status-update-failed',
  'node-ready',
  'kubelet-slow',
  'kubelet-restart',
  'oom-kill-system',
  'oom-kill-cgroup',
  'crashloop',
  'probe-failed',
  'pod-scheduled',
  'rollout',
  'webhook-rejected',
  'apiserver-list-surge',
] as const;
export type Clue = (typeof CLUES)[number];

export type FactKey = Symptom | Clue;

/** What `classifyLog` makes of one record. */
export interface Fact {
  key: FactKey;
  /** A measured quantity the line states (a `took`, a drift, a wait), in ms unless noted. */
  valueMs?: number;
  /** Further detail: a peer id, an object, an error class. */
  detail?: Record<string, string>;
}
