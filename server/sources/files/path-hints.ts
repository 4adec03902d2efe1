/**
 * What a file's path says about its content: the component (`kube-apiserver.log`), the host
 * (`etcd-cp-2.log` -> `cp-2`), the pod of a container log (`/var/log/containers/<pod>_<ns>_<ctr>-<id>.log`,
 * `/var/log/pods/<ns>_<pod>_<uid>/<ctr>/0.log`). Only hints: content decides the format.
 */
import type { Component } from '../../../correlators/signals/index.js';

export interface PathHints {
  component?: Component;
  host?: string;
  pod?: string;
}

/** Component patterns, most specific first; `hostPrefix` when `<prefix>-<host>` names a node. */
const PATTERNS: { re: RegExp; component: Component; hostPrefix?: RegExp }[] = [
  { re: /kube-apiserver|(^|[-_])apiserver/, component: 'kube-apiserver', hostPrefix: /^(kube-)?apiserver-/ },
  { re: /kube-controller-manager|controller-manager|(^|[-_])kcm([-_.]|$)/, component: 'kube-controller-manager', hostPrefix: /^(kube-controller-manager|kcm)-/ },
  { re: /kube-scheduler|(^|[-_])scheduler/, component: 'kube-scheduler', hostPrefix: /^(kube-)?scheduler-/ },
  { re: /etcd/, component: 'etcd', hostPrefix: /^etcd-/ },
  { re: /kubelet/, component: 'kubelet', hostPrefix: /^kubelet-/ },
  { re: /kernel|dmesg|kmsg/, component: 'kernel', hostPrefix: /^(kernel|dmesg|kmsg)-/ },
  { re: /coredns|kube-dns/, component: 'coredns' },
  { re: /(^|[-_])events?([-_.]|$)/, component: 'events' },
];

const EXT = /\.(gz|log|txt|json|jsonl|ndjson|om|prom|out|\d+)$/i;

function stripExtensions(name: string): string {
  let s = name;
  for (let i = 0; i < 4 && EXT.test(s); i++) s = s.replace(EXT, '');
  return s;
}

export function hintsFromPath(relPath: string): PathHints {
  const segments = relPath.split('/').filter(Boolean);
  const base = stripExtensions(segments[segments.length - 1] ?? '');
  const names: string[] = [];
  let pod: string | undefined;
  // /var/log/containers/<pod>_<namespace>_<container>-<64 hex>.log
  const ctr = /^([^_]+)_([^_]+)_(.+)-[0-9a-f]{64}$/.exec(base);
  if (ctr?.[1] && ctr[3]) {
    pod = ctr[1];
    names.push(ctr[3], pod);
  }
  // /var/log/pods/<namespace>_<pod>_<uid>/<container>/0.log
  const parent = segments[segments.length - 2];
  const grand = segments[segments.length - 3];
  const podDir = grand ? /^([^_]+)_([^_]+)_[0-9a-f-]{36}$/.exec(grand) : null;
  if (podDir?.[2] && parent) {
    pod = podDir[2];
    names.push(parent, pod);
  }
  names.push(base);
  if (parent) names.push(parent);
  const hints: PathHints = {};
  if (pod) hints.pod = pod;
  for (const name of names) {
    const lower = name.toLowerCase();
    const p = PATTERNS.find((x) => x.re.test(lower));
    if (!p) continue;
    hints.component = p.component;
    // a CoreDNS replica's log named after its pod: the pod is the closest thing to a host
    if (p.component === 'coredns' && !hints.pod && /^coredns-[a-z0-9]+-[a-z0-9]+$/.test(lower)) hints.pod = name;
    const hostSource = pod ?? name;
    const m = p.hostPrefix?.exec(hostSource.toLowerCase());
    const host = m ? hostSource.slice(m[0].length) : '';
    // a host name starts with a letter: `etcd-3.4.log` names a version, not a node
    if (/^[a-z][a-z0-9.-]*$/i.test(host)) hints.host = host;
    break;
  }
  return hints;
}
