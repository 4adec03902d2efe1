/**
 * A CPU weight for the lab's own processes (etcd, Prometheus, node_exporter, iostat), like the CPU
 * a real control-plane node reserves for its static pods (kubelet --system-reserved): so etcd's
 * behaviour follows the injected fault rather than whatever else this machine runs. The noisy
 * neighbour (fio) stays outside. cgroup v1 `cpu.shares` (default 1024), or v2 `cpu.weight`
 * (default 100); where neither is writable the lab runs without it and says so.
 * @see https://docs.kernel.org/scheduler/sched-design-CFS.html
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Teardown } from './teardown.js';

/** 8x the default weight. */
const SHARES_V1 = 8192;
const WEIGHT_V2 = 800;

export function createCpuGroup(td: Teardown, name: string): { dir: string; note: string } | { note: string } {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
  const v1 = mounts.find((m) => m[2] === 'cgroup' && (m[3] ?? '').split(',').includes('cpu'));
  try {
    if (v1?.[1]) {
      const dir = path.join(v1[1], name);
      mkdirSync(dir);
      td.add({ kind: 'cgroup', dir });
      writeFileSync(path.join(dir, 'cpu.shares'), String(SHARES_V1));
      return { dir, note: `lab processes in ${dir} with cpu.shares ${SHARES_V1}` };
    }
    const v2 = mounts.find((m) => m[2] === 'cgroup2');
    if (v2?.[1] && readFileSync(path.join(v2[1], 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
      const control = path.join(v2[1], 'cgroup.subtree_control');
      if (!readFileSync(control, 'utf8').split(/\s+/).includes('cpu')) writeFileSync(control, '+cpu');
      const dir = path.join(v2[1], name);
      mkdirSync(dir);
      td.add({ kind: 'cgroup', dir });
      writeFileSync(path.join(dir, 'cpu.weight'), String(WEIGHT_V2));
      return { dir, note: `lab processes in ${dir} with cpu.weight ${WEIGHT_V2}` };
    }
  } catch (err) {
    return { note: `no CPU weight for the lab (${(err as Error).message}): other work on this machine can slow etcd` };
  }
  return { note: existsSync('/sys/fs/cgroup') ? 'no writable cpu controller: other work on this machine can slow etcd' : 'no cgroups: other work on this machine can slow etcd' };
}
