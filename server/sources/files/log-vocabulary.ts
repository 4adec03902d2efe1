/** Severity letters and levels of the log formats, and components guessed from log content. */
import type { Component, Severity } from '../../../correlators/signals/index.js';

/** zap levels; `dpanic` logs at error level outside development builds. */
export function severityFromLevel(level: string): Severity | undefined {
  switch (level.toLowerCase()) {
    case 'debug':
    case 'trace':
      return 'debug';
    case 'info':
    case 'notice':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warn';
    case 'error':
    case 'err':
    case 'dpanic':
      return 'error';
    case 'panic':
    case 'fatal':
    case 'crit':
    case 'critical':
      return 'fatal';
    default:
      return undefined;
  }
}

/** klog `I W E F` and etcd 2.x/3.4 capnslog `D I N W E C` letters. */
export function severityFromLetter(c: string): Severity | undefined {
  switch (c) {
    case 'D':
      return 'debug';
    case 'I':
    case 'N':
      return 'info';
    case 'W':
      return 'warn';
    case 'E':
      return 'error';
    case 'F':
    case 'C':
      return 'fatal';
    default:
      return undefined;
  }
}

/** Programs in a journald prefix. k3s / rke2 run every component in one process: decided by content. */
const PROGRAMS: Record<string, Component> = {
  kubelet: 'kubelet',
  kernel: 'kernel',
  etcd: 'etcd',
  'kube-apiserver': 'kube-apiserver',
  'kube-controller-manager': 'kube-controller-manager',
  'kube-scheduler': 'kube-scheduler',
  coredns: 'coredns',
};

export function componentFromProgram(program: string): Component | undefined {
  return PROGRAMS[program.toLowerCase()];
}

/** Source files (klog `file.go:123`, zap `caller`) typical of one component. */
const CALLERS: [RegExp, Component][] = [
  [/^(etcdserver|mvcc|rafthttp|raft|wal|embed|v3rpc|membership|backend|etcdmain|snap|v3compactor|traceutil)\//, 'etcd'],
  [/^(kubelet|kuberuntime|pod_workers|eviction_manager|prober|pleg|cri_stats|summary_sys|kubelet_node_status|kubelet_getters|pod_startup)/, 'kubelet'],
  [/^(schedule_one|scheduling_queue|scheduler|default_binder|framework)\.go/, 'kube-scheduler'],
  [/^(garbagecollector|node_lifecycle_controller|controller_utils|replica_set|deployment_controller|endpointslice|controllermanager)/, 'kube-controller-manager'],
  [/^(httplog|writers|finisher|cacher|apf_controller|dispatcher|controller\.go|lease\.go|status\.go|timeout)/, 'kube-apiserver'],
  [/^plugin\//, 'coredns'],
];

export function componentFromCaller(caller: string | undefined): Component | undefined {
  if (!caller) return undefined;
  for (const [re, c] of CALLERS) if (re.test(caller)) return c;
  return undefined;
}

/** `logger` field of zap lines (`raft` in etcd, `etcd-client` in kube-apiserver, which stays the apiserver). */
export function componentFromLogger(logger: unknown): Component | undefined {
  return logger === 'raft' ? 'etcd' : undefined;
}
