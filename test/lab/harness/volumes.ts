/**
 * One "disk" per etcd member: a sparse file on a loop device (`--direct-io=on`, so writes reach
 * the host disk instead of a second page cache), ext4, mounted at the member's data folder, with
 * writes capped by the member's cgroup like a provisioned cloud volume. The cap sits on the host
 * disk below the loop device, not on the loop device itself: the loop driver issues each request
 * to the host disk on behalf of the cgroup that wrote it, so throttled requests wait inside the
 * loop device's queue (128 deep) and iostat / node_exporter see the volume's queue, await and
 * %util rise, as they would on a real slow disk. A cap on the loop device would hold the requests
 * above it, where no disk statistic shows them.
 */
import { mkdirSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createIoGroup, type IoGroup, type IoHierarchy } from './io-cgroup.js';
import { runChecked } from './shell.js';

/** `MAJ:MIN` of the block device holding `dir`, or why there is none (tmpfs, overlayfs). */
export async function findBackingDevice(dir: string): Promise<{ majMin: string; source: string } | { missing: string }> {
  const [majMin = '', fstype = '', source = ''] = (await runChecked('findmnt', ['-no', 'MAJ:MIN,FSTYPE,SOURCE', '-T', dir])).trim().split(/\s+/);
  if (!source.startsWith('/dev/') || majMin.startsWith('0:')) return { missing: `the work folder ${dir} is on ${fstype} (${source}), not on a block device whose writes a cgroup can throttle: set ROOTLINE_LAB_DIR to a folder on a disk` };
  return { majMin, source };
}
import type { Teardown } from './teardown.js';

export interface Volume {
  member: string;
  /** `/dev/loop3` */
  device: string;
  /** `loop3`, as iostat and node_exporter name it. */
  deviceName: string;
  /** The device the cap applies to (the host disk under the loop device). */
  throttledMajMin: string;
  mountDir: string;
  group: IoGroup;
}

export interface VolumeOptions {
  member: string;
  runDir: string;
  runId: string;
  sizeMb: number;
  writeIops: number;
  hierarchy: IoHierarchy;
  /** `MAJ:MIN` of the host disk holding the image files (the throttled device). */
  backingMajMin: string;
}

export async function createVolume(td: Teardown, o: VolumeOptions): Promise<Volume> {
  const image = path.join(o.runDir, 'volumes', `${o.member}.img`);
  mkdirSync(path.dirname(image), { recursive: true });
  await writeFile(image, '');
  await truncate(image, o.sizeMb * 1024 * 1024);
  const device = (await runChecked('losetup', ['--find', '--show', '--direct-io=on', image])).trim();
  td.add({ kind: 'loop', device, backingFile: image });
  await runChecked('mkfs.ext4', ['-q', '-F', '-L', o.member, device], { timeoutMs: 120_000 });
  const mountDir = path.join(o.runDir, o.member);
  mkdirSync(mountDir, { recursive: true });
  await runChecked('mount', [device, mountDir]);
  td.add({ kind: 'mount', dir: mountDir });
  const group = createIoGroup(td, o.hierarchy, `rootline-lab-${o.runId}-${o.member}`);
  group.setWriteIops(o.backingMajMin, o.writeIops);
  return { member: o.member, device, deviceName: path.basename(device), throttledMajMin: o.backingMajMin, mountDir, group };
}
