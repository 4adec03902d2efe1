/**
 * Who used this machine's CPU during a run: the machine as a whole (/proc/stat), the lab's own
 * processes (/proc/<pid>/stat of everything in the ledger and its cgroups, plus this process,
 * which runs the load generator and the delay proxy), and by difference everything else. All
 * three "nodes" share the machine, so other work here (a compiler, another test suite) shows in
 * every node's CPU series: a run where it did is not the fault it claims to be.
 * @see https://man7.org/linux/man-pages/man5/proc.5.html (/proc/stat, /proc/pid/stat)
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc times are in 1/100 s on every Linux architecture we run on. */
const TICKS_PER_S = 100;

export interface CpuSnapshot {
  atMs: number;
  machineBusyTicks: number;
  machineTotalTicks: number;
  pidTicks: Map<number, number>;
  selfMicros: number;
}

function pidTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces) start at ") "
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

export function takeCpuSnapshot(pids: number[]): CpuSnapshot {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
  const busy = user + nice + system + irq + softirq + steal;
  const ticks = new Map<number, number>();
  for (const pid of new Set(pids)) {
    const t = pidTicks(pid);
    if (t !== undefined) ticks.set(pid, t);
  }
  const u = process.cpuUsage();
  return { atMs: Date.now(), machineBusyTicks: busy, machineTotalTicks: busy + idle + iowait, pidTicks: ticks, selfMicros: u.user + u.system };
}

export interface CpuUse {
  /** Share of the machine's CPU time that was idle (0-1). */
  machineIdleShare: number;
  /** Cores busy on average, all work. */
  machineBusyCores: number;
  /** Cores the lab used (etcd, Prometheus, node_exporter, iostat, fio, load and proxy). */
  labCores: number;
  /** Everything else on the machine. */
  otherCores: number;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const seconds = Math.max(0.001, (b.atMs - a.atMs) / 1000);
  const total = b.machineTotalTicks - a.machineTotalTicks;
  const busy = b.machineBusyTicks - a.machineBusyTicks;
  let lab = (b.selfMicros - a.selfMicros) / 1e6;
  for (const [pid, t] of b.pidTicks) {
    const before = a.pidTicks.get(pid);
    // a process started in between counts from its start
    lab += (t - (before ?? 0)) / TICKS_PER_S;
  }
  const round = (v: number): number => Math.round(v * 100) / 100;
  const machineBusyCores = busy / TICKS_PER_S / seconds;
  const labCores = lab / seconds;
  return { machineIdleShare: round(total > 0 ? 1 - busy / total : 0), machineBusyCores: round(machineBusyCores), labCores: round(labCores), otherCores: round(Math.max(0, machineBusyCores - labCores)) };
}

/** Cores busy on this machine over the next `ms` (before a run, all of it is other work). */
export async function sampleBusyCores(ms = 3000): Promise<number> {
  const a = takeCpuSnapshot([]);
  await new Promise((r) => setTimeout(r, ms));
  const b = takeCpuSnapshot([]);
  return cpuBetween(a, b).otherCores;
}
