/**
 * The faults, injected on the member that leads at the moment of injection:
 * - disk: a noisy neighbour (fio, direct 4 KiB random writes, `noisyDepth` in flight) on the
 *   culprit's volume, in the culprit's cgroup, whose write cap drops to `faultWriteIops` (a
 *   degraded volume, burst credits gone); etcd's writes queue behind fio's;
 * - net: the delay proxy holds all peer traffic to and from the culprit; disks stay healthy;
 * - healthy: nothing; the same load runs for the same time.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DelayProxy } from './delay-proxy.js';
import type { Member } from './etcd-cluster.js';
import type { LabOptions } from './lab-config.js';
import { startProcess, type Started } from './processes.js';
import type { Teardown } from './teardown.js';

export interface ActiveFault {
  /** What was done, for label.json's notes and the events log. */
  how: string;
  clear(): Promise<void>;
}

export function injectFault(td: Teardown, o: LabOptions, culprit: Member, runDir: string, proxy: DelayProxy | undefined): ActiveFault {
  switch (o.fault) {
    case 'disk': {
      const dir = path.join(culprit.volume.mountDir, 'noisy');
      mkdirSync(dir, { recursive: true });
      const fio: Started = startProcess(
        td,
        'fio noisy neighbour',
        'fio',
        ['--name=noisy-neighbour', `--directory=${dir}`, '--rw=randwrite', '--bs=4k', '--size=128m', '--direct=1', '--ioengine=libaio', `--iodepth=${o.noisyDepth}`, '--time_based', `--runtime=${o.faultS + 30}`, `--output=${path.join(runDir, 'truth', 'fio.txt')}`],
        { logFile: path.join(runDir, 'truth', 'fio.log'), cgroupDirs: [culprit.volume.group.dir] },
      );
      culprit.volume.group.setWriteIops(culprit.volume.throttledMajMin, o.faultWriteIops);
      return {
        how: `noisy neighbour: fio randwrite bs=4k direct iodepth=${o.noisyDepth} on ${culprit.name}'s etcd volume ${culprit.volume.deviceName}, whose write IOPS cap drops ${o.writeIops} -> ${o.faultWriteIops}`,
        clear: async () => {
          await td.stopProcess(fio.pid);
          culprit.volume.group.setWriteIops(culprit.volume.throttledMajMin, o.writeIops);
        },
      };
    }
    case 'net': {
      if (!proxy || !culprit.id) throw new Error('the network fault needs the delay proxy and the culprit member id');
      proxy.setFault({ delayMs: o.delayMs, jitterMs: o.jitterMs, port: culprit.ports.peer, memberId: culprit.id });
      return {
        how: `all peer traffic to and from ${culprit.name} (member ${culprit.id}) held ${o.delayMs} +- ${o.jitterMs} ms by a TCP delay proxy; disks untouched`,
        clear: async () => proxy.setFault(undefined),
      };
    }
    case 'healthy':
      return { how: 'no fault: the same load for the same time', clear: async () => undefined };
  }
}
