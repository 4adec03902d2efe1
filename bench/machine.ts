/** The machine a benchmark ran on, for the table header. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memGB: number;
  node: string;
  /** 1-minute load average when the run started: other work on the host slows every row alike. */
  load1: number;
}

export function describeMachine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux: os.cpus() is all there is
  }
  return { nproc: availableParallelism(), cpuModel, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, load1: Math.round(loadavg()[0]! * 10) / 10 };
}
