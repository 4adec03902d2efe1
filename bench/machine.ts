/** The machine a benchmark ran on, for the table header. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memGB: number;
  node: string;
  /** 1-minute load average when the run started: other work on the host slows every row alike. */
  load1: number;
  /** The disk holding the benchmark's inputs: device, file system, size, and whether it spins. */
  disk: string;
}

/** `/dev/vda ext4 252G, SSD` for the file system holding `dir` (Linux; 'unknown' elsewhere). */
function describeDisk(dir: string): string {
  const df = spawnSync('df', ['-PTh', dir], { encoding: 'utf8' });
  const cols = df.status === 0 ? (df.stdout.trim().split('\n')[1] ?? '').split(/\s+/) : [];
  const [dev, type, size] = cols;
  if (!dev) return 'unknown';
  let kind = '';
  try {
    const rota = readFileSync(`/sys/block/${path.basename(dev).replace(/p?\d+$/, '')}/queue/rotational`, 'utf8').trim();
    // a virtual disk reports what its hypervisor says, not what is underneath: shown as read
    kind = `, queue/rotational=${rota}`;
  } catch {
    // not a plain block device (overlay, tmpfs): say nothing more
  }
  return `${dev} ${type ?? ''} ${size ?? ''}${kind}`;
}

export function describeMachine(workDir = '/tmp'): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux: os.cpus() is all there is
  }
  return { nproc: availableParallelism(), cpuModel, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, load1: Math.round(loadavg()[0]! * 10) / 10, disk: describeDisk(workDir) };
}
