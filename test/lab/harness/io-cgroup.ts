/**
 * A write-IOPS cap per member volume: one cgroup per member, throttled on its loop device. cgroup
 * v1 `blkio.throttle.write_iops_device` where the blkio hierarchy is mounted, else cgroup v2
 * `io.max` (`wiops=`) where the unified hierarchy offers the `io` controller.
 * @see https://docs.kernel.org/admin-guide/cgroup-v1/blkio-controller.html
 * @see https://docs.kernel.org/admin-guide/cgroup-v2.html#io-interface-files
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Teardown } from './teardown.js';

export interface IoHierarchy {
  version: 1 | 2;
  /** Where the run's groups are created. */
  root: string;
}

function mounts(): string[][] {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '));
}

/** The hierarchy to throttle with, or why there is none. */
export function findIoHierarchy(): IoHierarchy | { missing: string } {
  const v1 = mounts().find((m) => m[2] === 'cgroup' && (m[3] ?? '').split(',').includes('blkio'));
  if (v1?.[1]) return { version: 1, root: v1[1] };
  const v2 = mounts().find((m) => m[2] === 'cgroup2');
  if (!v2?.[1]) return { missing: 'no cgroup blkio (v1) hierarchy and no cgroup2 mount in /proc/mounts' };
  const controllers = readFileSync(path.join(v2[1], 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  if (!controllers.includes('io')) return { missing: `the cgroup2 hierarchy at ${v2[1]} offers no io controller (controllers: ${controllers.join(' ') || 'none'}) and no blkio v1 hierarchy is mounted` };
  return { version: 2, root: v2[1] };
}

export interface IoGroup {
  dir: string;
  /** Caps write IOPS on the device (`MAJ:MIN`); `undefined` lifts the cap. */
  setWriteIops(majMin: string, iops: number | undefined): void;
}

/** Creates a group under the hierarchy's root, recorded in the ledger. */
export function createIoGroup(td: Teardown, h: IoHierarchy, name: string): IoGroup {
  if (h.version === 2) {
    const control = path.join(h.root, 'cgroup.subtree_control');
    if (!readFileSync(control, 'utf8').split(/\s+/).includes('io')) writeFileSync(control, '+io');
  }
  const dir = path.join(h.root, name);
  if (existsSync(dir)) throw new Error(`cgroup ${dir} already exists (a previous lab run was not cleaned up: npm run lab -- sweep)`);
  mkdirSync(dir);
  td.add({ kind: 'cgroup', dir });
  return {
    dir,
    setWriteIops(majMin, iops) {
      if (h.version === 1) writeFileSync(path.join(dir, 'blkio.throttle.write_iops_device'), `${majMin} ${iops ?? 0}`);
      else writeFileSync(path.join(dir, 'io.max'), `${majMin} wiops=${iops ?? 'max'}`);
    },
  };
}
