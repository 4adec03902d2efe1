/**
 * The knowledge base: every failure mechanism, registered in the contract's order. The ranker
 * walks this list and holds no Kubernetes knowledge of its own.
 */
import type { Mechanism } from './types.js';
import { etcdDiskLatency } from './mechanisms/etcd-disk-latency.js';
import { etcdNetworkLatency } from './mechanisms/etcd-network-latency.js';
import { etcdClockSkew } from './mechanisms/etcd-clock-skew.js';
import { etcdDbQuota } from './mechanisms/etcd-db-quota.js';
import { etcdSnapshotCompaction } from './mechanisms/etcd-snapshot-compaction.js';
import { admissionWebhookLatency } from './mechanisms/admission-webhook-latency.js';
import { apiserverInflightSaturation } from './mechanisms/apiserver-inflight-saturation.js';
import { watchCacheRelistStorm } from './mechanisms/watch-cache-relist-storm.js';
import { schedulerThrottling } from './mechanisms/scheduler-throttling.js';
import { corednsOverload } from './mechanisms/coredns-overload.js';
import { nodeMemoryPressure } from './mechanisms/node-memory-pressure.js';
import { cpuStarvation } from './mechanisms/cpu-starvation.js';
import { imagePullFailure } from './mechanisms/image-pull-failure.js';
import { cniIpamExhaustion } from './mechanisms/cni-ipam-exhaustion.js';

export const MECHANISMS: readonly Mechanism[] = [
  etcdDiskLatency,
  etcdNetworkLatency,
  etcdClockSkew,
  etcdDbQuota,
  etcdSnapshotCompaction,
  admissionWebhookLatency,
  apiserverInflightSaturation,
  watchCacheRelistStorm,
  schedulerThrottling,
  corednsOverload,
  nodeMemoryPressure,
  cpuStarvation,
  imagePullFailure,
  cniIpamExhaustion,
];
