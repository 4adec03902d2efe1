/**
 * The two judgements of a lab test: is the run the incident it claims to be (from etcd and /proc,
 * never from rootline), and is rootline's answer right (cause, culprit, onset, first chain link).
 */
import { DateTime } from 'luxon';
import type { Answer } from './analyse.js';
import type { FaultKind } from './lab-config.js';
import type { LabRun } from './run-lab.js';

/** How far rootline's onset may lie from the recorded injection (issue 8). */
export const ONSET_TOLERANCE_MS = 15_000;

export interface Expected {
  cause: 'etcd-disk-latency' | 'etcd-network-latency' | 'none';
  /** The cause's own symptoms: the chain must start with one of them. */
  firstLinks: string[];
}

/** What is wrong with an answer; empty when it is right. */
export function checkAnswer(a: Answer, e: Expected, culprit: string, injectedMs: number): string[] {
  const problems: string[] = [];
  if (e.cause === 'none') {
    if (a.verdict !== 'none') problems.push(`verdict is ${a.verdict} (top: ${a.ranked.join(', ') || 'nothing'}), expected none`);
    return problems;
  }
  if (a.verdict !== 'incident') problems.push(`verdict is ${a.verdict}, expected incident`);
  if (a.cause !== e.cause) problems.push(`top cause is ${a.cause ?? 'nothing'} (ranked: ${a.ranked.join(', ')}), expected ${e.cause}`);
  if (a.culpritHost !== culprit) problems.push(`culprit host is ${a.culpritHost ?? 'not named'}, expected ${culprit} (the leader at the injection)`);
  const onset = a.onset ? DateTime.fromISO(a.onset, { zone: 'utc' }) : undefined;
  if (!onset?.isValid) problems.push(`no onset (got ${a.onset})`);
  else {
    const offS = (onset.toMillis() - injectedMs) / 1000;
    if (Math.abs(offS * 1000) > ONSET_TOLERANCE_MS) problems.push(`onset ${a.onset} is ${offS.toFixed(1)} s from the injection, expected within ${ONSET_TOLERANCE_MS / 1000} s`);
  }
  if (!e.firstLinks.includes(a.chain[0] ?? '')) problems.push(`chain starts at ${a.chain[0] ?? 'nothing'} (${a.chain.join(' -> ')}), expected one of ${e.firstLinks.join(', ')}`);
  return problems;
}

/** Other work on this machine above this many cores contaminates the nodes' CPU series. */
export const MAX_OTHER_CORES = Number(process.env['ROOTLINE_LAB_MAX_OTHER_CORES'] ?? '0.5');

/** A disk fault took when the leader's WAL fsync p99 reached this (etcd's slow-fdatasync warning is 1 s). */
export const MIN_FAULT_FSYNC_P99_MS = 500;

/**
 * Whether the run is the incident it claims to be, from etcd's own logs and metrics (never from
 * rootline): the fault took (slow fdatasync lines and WAL fsync p99 >= 0.5 s on the leader for
 * disk; peer RTT p99 >= 0.5 s for net; for both an election may or may not follow; neither for
 * healthy). A failed check fails the test whatever rootline answered.
 */
export function checkRun(fault: FaultKind, run: LabRun): string[] {
  const ob = run.observed;
  const problems: string[] = [];
  const culprit = ob.members[run.culprit];
  const slowLines = Object.values(ob.members).reduce((a, m) => a + m.slowFdatasync, 0);
  if (fault === 'disk') {
    // An election is what usually follows, not what defines the fault: the slow fdatasync calls
    // take 1-2 s against the followers' randomized 1-2 s election timeout, so a run may keep its
    // leader (CI, 2026-11-28: 36 slow lines, fsync p99 4 -> 2038 ms, no election).
    if (!culprit || culprit.slowFdatasync === 0) problems.push(`the disk fault did not take: etcd on ${run.culprit} logged no slow fdatasync`);
    else if (culprit.fsyncP99DuringMs !== null && culprit.fsyncP99DuringMs < MIN_FAULT_FSYNC_P99_MS) {
      problems.push(`the disk fault did not take: WAL fsync p99 on ${run.culprit} during the fault was ${culprit.fsyncP99DuringMs} ms (expected >= ${MIN_FAULT_FSYNC_P99_MS} ms)`);
    }
  } else if (fault === 'net') {
    // etcd measures peer RTT from each member to each peer: the culprit's peers see it
    const rtt = Math.max(0, ...Object.entries(ob.members).filter(([m]) => m !== run.culprit).map(([, x]) => x.peerRttP99DuringMs ?? 0));
    if (rtt < 500) problems.push(`the network fault did not take: peer RTT p99 of ${run.culprit}'s peers during the fault was ${rtt} ms (expected >= 500 ms)`);
  } else {
    if (ob.elections.count > 0) problems.push(`the healthy run was not healthy: ${ob.elections.count} election(s) (new leaders ${ob.elections.leaders.join(', ')}) without a fault`);
    if (slowLines > 0) problems.push(`the healthy run was not healthy: ${slowLines} slow fdatasync lines without a fault`);
  }
  return problems;
}

export interface Contamination {
  /** Other work used more than `limitCores` on average over the window. */
  contaminated: boolean;
  otherCores: number | null;
  labCores: number | null;
  machineIdleShare: number | null;
  limitCores: number;
  /** One line for the test output; says CONTAMINATED INPUT when it is. */
  note: string;
}

/**
 * Other work on this machine (from /proc) shows in every node's CPU series, since all three
 * share it. Not a failure by itself (a right answer through the noise is still right, and a
 * wrong one is still wrong), but the test output and rootline-answers.json say it first, so a
 * failure on a busy machine is read as what it is.
 */
export function contamination(run: LabRun): Contamination {
  const use = run.observed.cpuUse?.window;
  if (!use) return { contaminated: false, otherCores: null, labCores: null, machineIdleShare: null, limitCores: MAX_OTHER_CORES, note: 'contamination unknown: no CPU accounting for this run' };
  const contaminated = use.otherCores > MAX_OTHER_CORES;
  const figures = `other work on this machine used ${use.otherCores} cores on average over the window (lab ${use.labCores} cores, machine CPU idle ${Math.round(use.machineIdleShare * 100)} %)`;
  const note = contaminated
    ? `CONTAMINATED INPUT: ${figures}, above the ${MAX_OTHER_CORES}-core limit; the three "nodes" share this machine, so every node's CPU series shows that work. A wrong answer here may be the machine's doing: rerun on an otherwise idle machine (limit: ROOTLINE_LAB_MAX_OTHER_CORES)`
    : `clean input: ${figures}, within the ${MAX_OTHER_CORES}-core limit`;
  return { contaminated, otherCores: use.otherCores, labCores: use.labCores, machineIdleShare: use.machineIdleShare, limitCores: MAX_OTHER_CORES, note };
}

/** What each fault must be read as. */
export const EXPECTED: Record<FaultKind, Expected> = {
  disk: { cause: 'etcd-disk-latency', firstLinks: ['node-disk-saturation', 'etcd-wal-fsync-slow'] },
  net: { cause: 'etcd-network-latency', firstLinks: ['etcd-peer-rtt-high'] },
  healthy: { cause: 'none', firstLinks: [] },
};
