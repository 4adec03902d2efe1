/**
 * The knobs of a lab run, with the defaults the CI tests use and environment overrides for runs
 * by hand (`ROOTLINE_LAB_FAULT_S=300 npm run lab -- disk`). Durations are seconds, rates per second.
 *
 * Why these numbers (measured on a 2-core VM whose disk does ~300 fdatasync/s through a loop device):
 * - `writeIops` 400 does not bind in steady state (etcd under this load writes ~170/s per volume at
 *   ~1.5 ms await, 20 % util);
 * - during the disk fault the culprit's cap drops to `faultWriteIops` 40 and fio keeps `noisyDepth` 64
 *   direct writes queued in the same cgroup: the loop device's queue fills (aqu-sz ~65, w_await
 *   ~1.6 s, 100 % util) and etcd's fdatasync takes 1-3 s, past its 1 s `slow fdatasync` warning
 *   and its 1 s election timeout; the followers' timeout is randomized 1-2 s, so most runs elect
 *   a new leader and some do not (9 of 10 by 2026-11-28);
 * - the network fault holds every chunk to and from the culprit 1200 +- 400 ms: peer RTT p99 to it
 *   goes from milliseconds to ~1.6 s, ReadIndex requests time out, and at the injection the
 *   followers lose the heartbeat for about the delay, more or less than their randomized 1-2 s
 *   election timeout, so some runs see an election and some do not (a steady latency alone costs no
 *   leadership: heartbeats keep arriving, only later). At 2500 ms every run elects, but etcd's
 *   prober then logs `prober found high clock drift` (1.2-2.2 s, its drift estimate assumes
 *   symmetric, short round trips), which turns the incident into a clock question;
 * - the fault is a third of the window (75 s warm-up, 60 s fault, 45 s recovery), as in a real
 *   incident window: an analyser that takes a series' baseline from the window itself must find
 *   the baseline in it. etcd 3.4 observes peer RTT only every 30 s (rafthttp's status monitor), so
 *   that series has six points in the window, of which the fault may touch two or three;
 * - the disk fault's cap (40) is below etcd's own steady write rate (~170 writes/s on each volume),
 *   so it is the cap plus fio's queue that makes the disk slow, not etcd's load.
 */
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';

export const FAULTS = ['disk', 'net', 'healthy'] as const;
export type FaultKind = (typeof FAULTS)[number];

export interface LabOptions {
  fault: FaultKind;
  runId: string;
  /** Run folders go here: `<baseDir>/<runId>`. */
  baseDir: string;
  /** The bundle, label and truth go here; default `<baseDir>/<runId>/incident`. */
  outDir: string;
  /** First of the ports: etcd members at base, base+10, base+20; Prometheus base+90; node_exporter base+91. */
  portBase: number;
  settleS: number;
  warmupS: number;
  faultS: number;
  recoverS: number;
  scrapeS: number;
  volumeMb: number;
  writeIops: number;
  faultWriteIops: number;
  noisyDepth: number;
  delayMs: number;
  jitterMs: number;
  putsPerS: number;
  getsPerS: number;
  valueBytes: number;
  keys: number;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[`ROOTLINE_LAB_${name}`];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`Invalid ROOTLINE_LAB_${name}=${raw}, expecting a number >= 0`);
  return v;
}

export function labOptions(fault: FaultKind, env: NodeJS.ProcessEnv = process.env, overrides: Partial<LabOptions> = {}): LabOptions {
  if (num(env, 'SCRAPE_S', 5) < 1) throw new Error(`Invalid ROOTLINE_LAB_SCRAPE_S=${env['ROOTLINE_LAB_SCRAPE_S']}, expecting whole seconds >= 1`);
  const stamp = DateTime.utc().toFormat("yyyyMMdd'T'HHmmss'Z'");
  const runId = overrides.runId ?? `${fault}-${stamp}`;
  const baseDir = overrides.baseDir ?? env['ROOTLINE_LAB_DIR'] ?? path.join(os.tmpdir(), 'rootline-lab');
  return {
    fault,
    runId,
    baseDir,
    outDir: overrides.outDir ?? path.join(baseDir, runId, 'incident'),
    portBase: num(env, 'PORT_BASE', 24100),
    settleS: num(env, 'SETTLE_S', 15),
    warmupS: num(env, 'WARMUP_S', 75),
    faultS: num(env, 'FAULT_S', 60),
    recoverS: num(env, 'RECOVER_S', 45),
    scrapeS: num(env, 'SCRAPE_S', 5),
    volumeMb: num(env, 'VOLUME_MB', 1024),
    writeIops: num(env, 'WRITE_IOPS', 400),
    faultWriteIops: num(env, 'FAULT_WRITE_IOPS', 40),
    noisyDepth: num(env, 'NOISY_DEPTH', 64),
    delayMs: num(env, 'DELAY_MS', 1200),
    jitterMs: num(env, 'JITTER_MS', 400),
    putsPerS: num(env, 'PUTS_PER_S', 60),
    getsPerS: num(env, 'GETS_PER_S', 20),
    valueBytes: num(env, 'VALUE_BYTES', 256),
    keys: num(env, 'KEYS', 2000),
    ...overrides,
  };
}

/** Every port a run listens on, for the capability check. */
export function labPorts(o: LabOptions): number[] {
  const members = [0, 1, 2].flatMap((i) => [0, 1, 2, 3].map((k) => o.portBase + 10 * i + k));
  return [...members, o.portBase + 90, o.portBase + 91];
}
