/**
 * What etcd did during a run, from its own logs and its own metrics (never from rootline): the
 * elections (etcd's `elected leader ... at term N` lines), the `slow fdatasync` lines per member,
 * WAL fsync p99 and peer RTT p99 per member before and during the fault (from Prometheus), and the
 * most frequent warnings. The test prints this beside rootline's answer.
 */
import { readFile } from 'node:fs/promises';
import { DateTime } from 'luxon';
import type { CpuUse } from './cpu-account.js';
import { queryProm } from './prom-export.js';

export interface MemberObservation {
  slowFdatasync: number;
  /** Longest `took` of a slow fdatasync line, ms. */
  slowFdatasyncMaxMs: number;
  fsyncP99BeforeMs: number | null;
  fsyncP99DuringMs: number | null;
  peerRttP99BeforeMs: number | null;
  peerRttP99DuringMs: number | null;
}

export interface Observed {
  /** Distinct terms of `elected leader` lines between the injection and the window's end. */
  elections: { count: number; first?: string; leaders: string[] };
  members: Record<string, MemberObservation>;
  /** Warning / error messages between injection and window end, most frequent first. */
  warnings: { member: string; msg: string; count: number }[];
  /** The machine all three nodes share: idle CPU share, and the CPU the three etcd used (cores). */
  machine: { cpuIdleBefore: number | null; cpuIdleDuring: number | null; etcdCoresBefore: number | null; etcdCoresDuring: number | null };
  /** Measured by the harness from /proc: the lab's own CPU and everything else's, per phase. */
  cpuUse?: { baseline: CpuUse; fault: CpuUse; window: CpuUse };
}

interface ZapLine {
  ts?: string;
  level?: string;
  msg?: string;
  took?: string;
}

/** Milliseconds of a Go duration such as `1.234567s`, `850.1ms`, `2m1.5s`. */
function goDurationMs(text: string | undefined): number {
  if (!text) return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, 'µs': 0.001, us: 0.001, ns: 1e-6 };
  let total = 0;
  for (const m of text.matchAll(/([\d.]+)(h|ms|m|s|µs|us|ns)/g)) total += Number(m[1]) * (units[m[2]!] ?? 0);
  return total;
}

async function readZap(file: string): Promise<(ZapLine & { atMs: number })[]> {
  const out: (ZapLine & { atMs: number })[] = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const z = JSON.parse(line) as ZapLine;
      const t = z.ts ? DateTime.fromISO(z.ts, { zone: 'utc' }) : undefined;
      if (t?.isValid) out.push({ ...z, atMs: t.toMillis() });
    } catch {
      // a torn last line while etcd was writing
    }
  }
  return out;
}

async function p99ByNode(promPort: number, family: string, fromMs: number, toMs: number): Promise<Map<string, number>> {
  const rangeS = Math.max(10, Math.round((toMs - fromMs) / 1000));
  const items = await queryProm(promPort, `histogram_quantile(0.99, sum by (node, le) (increase(${family}_bucket[${rangeS}s])))`, toMs);
  const out = new Map<string, number>();
  for (const it of items) {
    const v = Number(it.value?.[1]);
    if (it.metric['node'] && Number.isFinite(v)) out.set(it.metric['node'], Math.round(v * 1e4) / 10);
  }
  return out;
}

async function scalar(promPort: number, promql: string, atMs: number): Promise<number | null> {
  const v = Number((await queryProm(promPort, promql, atMs))[0]?.value?.[1]);
  return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null;
}

/** Idle share of the machine's CPU and the etcd processes' cores over [fromMs, toMs]. */
async function machineCpu(promPort: number, fromMs: number, toMs: number): Promise<[number | null, number | null]> {
  const r = `${Math.max(10, Math.round((toMs - fromMs) / 1000))}s`;
  // one node_exporter scraped once per node: take one node's copy
  return Promise.all([
    scalar(promPort, `sum(rate(node_cpu_seconds_total{node="cp-1",mode="idle"}[${r}])) / sum(rate(node_cpu_seconds_total{node="cp-1"}[${r}]))`, toMs),
    scalar(promPort, `sum(rate(process_cpu_seconds_total{job="etcd"}[${r}]))`, toMs),
  ]);
}

export interface ObserveOptions {
  promPort: number;
  /** member name -> its raw zap log. */
  logs: Record<string, string>;
  /** member hex id -> name. */
  names: Record<string, string>;
  baselineFromMs: number;
  injectedMs: number;
  faultEndMs: number;
  windowToMs: number;
}

export async function observeEtcd(o: ObserveOptions): Promise<Observed> {
  const members: Record<string, MemberObservation> = {};
  const terms = new Map<number, { atMs: number; leader: string }>();
  const warnings = new Map<string, { member: string; msg: string; count: number }>();
  const [[cpuIdleBefore, etcdCoresBefore], [cpuIdleDuring, etcdCoresDuring]] = await Promise.all([machineCpu(o.promPort, o.baselineFromMs, o.injectedMs), machineCpu(o.promPort, o.injectedMs, o.faultEndMs)]);
  const [fsBefore, fsDuring, rttBefore, rttDuring] = await Promise.all([
    p99ByNode(o.promPort, 'etcd_disk_wal_fsync_duration_seconds', o.baselineFromMs, o.injectedMs),
    p99ByNode(o.promPort, 'etcd_disk_wal_fsync_duration_seconds', o.injectedMs, o.faultEndMs),
    p99ByNode(o.promPort, 'etcd_network_peer_round_trip_time_seconds', o.baselineFromMs, o.injectedMs),
    p99ByNode(o.promPort, 'etcd_network_peer_round_trip_time_seconds', o.injectedMs, o.faultEndMs),
  ]);
  for (const [member, file] of Object.entries(o.logs)) {
    const lines = (await readZap(file)).filter((z) => z.atMs >= o.injectedMs && z.atMs <= o.windowToMs);
    const slow = lines.filter((z) => z.msg === 'slow fdatasync');
    members[member] = {
      slowFdatasync: slow.length,
      slowFdatasyncMaxMs: Math.round(Math.max(0, ...slow.map((z) => goDurationMs(z.took)))),
      fsyncP99BeforeMs: fsBefore.get(member) ?? null,
      fsyncP99DuringMs: fsDuring.get(member) ?? null,
      peerRttP99BeforeMs: rttBefore.get(member) ?? null,
      peerRttP99DuringMs: rttDuring.get(member) ?? null,
    };
    for (const z of lines) {
      const elected = /elected leader ([0-9a-f]+) at term (\d+)/.exec(z.msg ?? '');
      if (elected) {
        const term = Number(elected[2]);
        const prev = terms.get(term);
        if (!prev || prev.atMs > z.atMs) terms.set(term, { atMs: z.atMs, leader: o.names[elected[1]!] ?? elected[1]! });
      }
      if (z.level === 'warn' || z.level === 'error') {
        const msg = (z.msg ?? '').replace(/[0-9a-f]{16}/g, '<id>').replace(/\d+/g, 'N');
        const key = `${member}\u0000${msg}`;
        const w = warnings.get(key) ?? { member, msg, count: 0 };
        w.count++;
        warnings.set(key, w);
      }
    }
  }
  const elections = [...terms.entries()].sort(([a], [b]) => a - b);
  const first = elections[0]?.[1].atMs;
  return {
    elections: { count: elections.length, ...(first !== undefined ? { first: DateTime.fromMillis(first, { zone: 'utc' }).toISO() ?? '' } : {}), leaders: elections.map(([, e]) => e.leader) },
    members,
    warnings: [...warnings.values()].sort((a, b) => b.count - a.count || (a.member + a.msg < b.member + b.msg ? -1 : 1)).slice(0, 12),
    machine: { cpuIdleBefore, cpuIdleDuring, etcdCoresBefore, etcdCoresDuring },
  };
}

const fmtShare = (v: number | null): string => (v === null ? 'n/a' : `${Math.round(v * 100)} %`);

/** One line per member for a report: `cp-2: 14 slow fdatasync (max 2310 ms), fsync p99 3.1 -> 2150.4 ms`. */
export function describeObserved(ob: Observed): string[] {
  const fmt = (v: number | null): string => (v === null ? 'n/a' : `${v}`);
  return [
    `elections after the injection: ${ob.elections.count}${ob.elections.first ? ` (first ${ob.elections.first}, new leaders ${ob.elections.leaders.join(', ')})` : ''}`,
    ...Object.entries(ob.members).map(
      ([m, x]) =>
        `${m}: ${x.slowFdatasync} slow fdatasync lines${x.slowFdatasync ? ` (max took ${x.slowFdatasyncMaxMs} ms)` : ''}; WAL fsync p99 before ${fmt(x.fsyncP99BeforeMs)} ms, during ${fmt(x.fsyncP99DuringMs)} ms; peer RTT p99 before ${fmt(x.peerRttP99BeforeMs)} ms, during ${fmt(x.peerRttP99DuringMs)} ms`,
    ),
    `machine CPU idle before ${fmtShare(ob.machine.cpuIdleBefore)}, during ${fmtShare(ob.machine.cpuIdleDuring)}; etcd used ${ob.machine.etcdCoresBefore ?? 'n/a'} -> ${ob.machine.etcdCoresDuring ?? 'n/a'} cores (2 cores shared with everything else on this machine)`,
    ...(ob.cpuUse ? [`CPU over the window (from /proc): machine idle ${fmtShare(ob.cpuUse.window.machineIdleShare)}, lab ${ob.cpuUse.window.labCores} cores, other work on this machine ${ob.cpuUse.window.otherCores} cores`] : []),
    ...ob.warnings.slice(0, 8).map((w) => `  ${w.member} x${w.count}: ${w.msg}`),
  ];
}
