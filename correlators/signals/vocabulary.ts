/**
 * The closed vocabularies of the analysis contract (../shared/bench/CONTRACT.md): root causes and
 * the symptoms a causal chain is made of. The contract may grow; add new ids here first.
 */
import { z } from 'zod';

export const ROOT_CAUSES = [
  'etcd-disk-latency',
  'etcd-network-latency',
  'etcd-clock-skew',
  'etcd-db-quota',
  'etcd-snapshot-compaction',
  'admission-webhook-latency',
  'apiserver-inflight-saturation',
  'watch-cache-relist-storm',
  'scheduler-throttling',
  'coredns-overload',
  'node-memory-pressure',
  'cpu-starvation',
  'image-pull-failure',
  'cni-ipam-exhaustion',
] as const;
export const rootCauseSchema = z.enum(ROOT_CAUSES);
export type RootCause = z.infer<typeof rootCauseSchema>;

export const SYMPTOMS = [
  'node-disk-saturation',
  'node-cpu-saturation',
  'etcd-wal-fsync-slow',
  'etcd-backend-commit-slow',
  'etcd-request-slow',
  'etcd-leader-election',
  'etcd-peer-rtt-high',
  'etcd-clock-drift',
  'etcd-db-space-exceeded',
  'apiserver-latency-high',
  'apiserver-errors',
  'apiserver-throttling',
  'apiserver-relist-storm',
  'admission-webhook-slow',
  'client-throttling',
  'controller-lease-lost',
  'node-not-ready',
  'pods-pending',
  'pod-evicted',
  'memory-pressure',
  'dns-failures',
  'image-pull-backoff',
  'ipam-exhaustion',
] as const;
export const symptomSchema = z.enum(SYMPTOMS);
export type Symptom = z.infer<typeof symptomSchema>;

export const VERDICTS = ['incident', 'none', 'inconclusive'] as const;
export const verdictSchema = z.enum(VERDICTS);
export type Verdict = z.infer<typeof verdictSchema>;

/** Components a signal can come from; a lane of the war room per component (and host). */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kernel',
  'coredns',
  'node',
  'events',
  'audit',
  'admission-webhook',
  'cni',
  'image-registry',
  'other',
] as const;
export const componentSchema = z.enum(COMPONENTS);
export type Component = z.infer<typeof componentSchema>;
