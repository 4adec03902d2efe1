/**
 * What a lab run needs from the machine, checked before anything starts, so a missing piece is
 * named exactly ("no loop device: ...") instead of surfacing as a timeout halfway through.
 */
import { existsSync, mkdirSync, rmdirSync, statfsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findIoHierarchy } from './io-cgroup.js';
import { runCommand } from './shell.js';
import { findBackingDevice } from './volumes.js';

/** Debian package of each program the lab runs. */
export const PROGRAMS: Record<string, string> = {
  etcd: 'etcd-server',
  prometheus: 'prometheus',
  promtool: 'prometheus',
  'prometheus-node-exporter': 'prometheus-node-exporter',
  fio: 'fio',
  iostat: 'sysstat',
  losetup: 'mount',
  'mkfs.ext4': 'e2fsprogs',
  lsblk: 'util-linux',
  unshare: 'util-linux',
  hostname: 'hostname',
};

export interface Capabilities {
  /** Each line says what is missing and how to get it. */
  missing: string[];
  notes: string[];
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function probeCapabilities(o: { ports: number[]; workDir: string }): Promise<Capabilities> {
  const missing: string[] = [];
  const notes: string[] = [];
  if (process.getuid?.() !== 0) missing.push(`not root (uid ${process.getuid?.()}): loop devices, mount and cgroup throttles need root`);
  const absent: string[] = [];
  for (const [prog, pkg] of Object.entries(PROGRAMS)) {
    const r = await runCommand('sh', ['-c', `command -v ${prog}`]);
    if (r.code !== 0) absent.push(`${prog} (${pkg})`);
  }
  if (absent.length) {
    const pkgs = [...new Set(absent.map((a) => /\((.+)\)/.exec(a)?.[1] ?? a))].join(' ');
    missing.push(`programs not installed: ${absent.join(', ')}: apt-get install -y --no-install-recommends ${pkgs} (or scripts/lab/install-deps.sh)`);
  }
  const etcd = await runCommand('etcd', ['--version']);
  const version = /etcd Version: (\S+)/.exec(etcd.stdout)?.[1];
  if (version) {
    notes.push(`etcd ${version}`);
    if (!/^3\.[45]\./.test(version)) missing.push(`etcd ${version}: the lab expects etcd 3.4 or 3.5 (zap JSON logs)`);
  }
  if (!existsSync('/dev/loop-control')) missing.push('no loop devices: /dev/loop-control is absent (load the loop module; in a container run it --privileged)');
  else {
    const free = await runCommand('losetup', ['-f']);
    if (free.code !== 0) missing.push(`no free loop device: \`losetup -f\` failed: ${(free.stderr || free.stdout).trim()} (needs root and /dev/loop*; in a container run it --privileged)`);
    else notes.push(`loop devices: next free ${free.stdout.trim()}`);
  }
  const h = findIoHierarchy();
  if ('missing' in h) missing.push(`no cgroup I/O throttle: ${h.missing}`);
  else {
    const probe = path.join(h.root, `rootline-lab-probe-${process.pid}`);
    try {
      mkdirSync(probe);
      rmdirSync(probe);
      if (h.version === 1 && !existsSync(path.join(h.root, 'blkio.throttle.write_iops_device'))) missing.push(`the blkio hierarchy at ${h.root} has no blkio.throttle.write_iops_device: this kernel was built without CONFIG_BLK_DEV_THROTTLING`);
      else notes.push(`cgroup v${h.version} I/O throttle at ${h.root}`);
    } catch (err) {
      missing.push(`cgroup ${h.root} is not writable (cannot create a group: ${(err as Error).message}); mount it read-write or run as root with cgroup write access`);
    }
  }
  // informational only, and without touching lo's qdisc: the lab delays one member with its proxy
  const release = (await runCommand('uname', ['-r'])).stdout.trim();
  const netem = existsSync('/sys/module/sch_netem') || existsSync(`/lib/modules/${release}/kernel/net/sched/sch_netem.ko`) || existsSync(`/lib/modules/${release}/kernel/net/sched/sch_netem.ko.xz`);
  notes.push(netem ? 'sch_netem is present (unused: the TCP delay proxy delays only the culprit)' : 'no sch_netem in this kernel: the network fault uses the TCP delay proxy');
  const busy: number[] = [];
  for (const p of o.ports) if (!(await portFree(p))) busy.push(p);
  if (busy.length) missing.push(`ports in use on 127.0.0.1: ${busy.join(', ')} (another lab run? set ROOTLINE_LAB_PORT_BASE)`);
  try {
    mkdirSync(o.workDir, { recursive: true });
    const backing = await findBackingDevice(o.workDir);
    if ('missing' in backing) missing.push(backing.missing);
    else notes.push(`work folder ${o.workDir} on ${backing.source} (${backing.majMin}), the device the write caps apply to`);
    const fs = statfsSync(o.workDir);
    const freeMb = Math.floor((fs.bavail * fs.bsize) / 2 ** 20);
    // three sparse volumes fill to a few hundred MB each under the load, plus fio's 128 MB file
    if (freeMb < 2048) missing.push(`only ${freeMb} MB free in ${o.workDir}: a run needs about 2 GB (set ROOTLINE_LAB_DIR to a folder on a disk with room)`);
    else notes.push(`${freeMb} MB free in ${o.workDir}`);
  } catch (err) {
    missing.push(`cannot use the work folder ${o.workDir}: ${(err as Error).message}`);
  }
  return { missing, notes };
}
