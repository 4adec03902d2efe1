/**
 * The ledger of everything a lab run starts or creates, undone in reverse order: processes stopped
 * by PID (SIGTERM, then SIGKILL), file systems unmounted, loop devices detached, cgroups removed.
 * Each entry is also written to `resources.json` in the run folder as soon as it exists, so a run
 * whose own process died (SIGKILL, a runner timeout) can still be swept by `sweepLedger`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { runCommand, sleepMs } from './shell.js';

export type Resource =
  | { kind: 'process'; name: string; pid: number; argv0: string }
  | { kind: 'mount'; dir: string }
  | { kind: 'loop'; device: string; backingFile: string }
  | { kind: 'cgroup'; dir: string };

interface Entry {
  resource?: Resource;
  /** In-process servers (delay proxy, load): closed by the function, not in the ledger file. */
  close?: { name: string; fn: () => Promise<void> };
}

export class Teardown {
  private readonly entries: Entry[] = [];
  private done = false;

  constructor(private readonly ledgerFile: string) {
    this.save();
  }

  /** Records a resource the moment it exists. */
  add(resource: Resource): void {
    this.entries.push({ resource });
    this.save();
  }

  /** Records an in-process server to close. */
  addCloser(name: string, fn: () => Promise<void>): void {
    this.entries.push({ close: { name, fn } });
  }

  /** Stops one process now (it stays in the ledger; stopping twice is harmless). */
  async stopProcess(pid: number): Promise<void> {
    const entry = this.entries.find((e) => e.resource?.kind === 'process' && e.resource.pid === pid);
    if (entry?.resource) await releaseResource(entry.resource, false);
  }

  /** PIDs of the recorded processes and of everything inside the recorded cgroups. */
  pids(): number[] {
    const out: number[] = [];
    for (const e of this.entries) {
      if (e.resource?.kind === 'process') out.push(e.resource.pid);
      if (e.resource?.kind === 'cgroup') {
        try {
          out.push(...readFileSync(path.join(e.resource.dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
        } catch {
          // removed already
        }
      }
    }
    return out;
  }

  /** Undoes everything, newest first; never throws. Returns what could not be undone. */
  async run(): Promise<string[]> {
    if (this.done) return [];
    this.done = true;
    const problems: string[] = [];
    // processes first (all of them, newest first), so mounts and cgroups are no longer busy
    const ordered = [...this.entries].reverse();
    const procs = ordered.filter((e) => e.close || e.resource?.kind === 'process');
    const rest = ordered.filter((e) => !(e.close || e.resource?.kind === 'process'));
    for (const e of [...procs, ...rest]) {
      try {
        if (e.close) await e.close.fn();
        else if (e.resource) await releaseResource(e.resource, false);
      } catch (err) {
        problems.push(`${describe(e)}: ${(err as Error).message}`);
      }
    }
    this.entries.length = 0;
    this.save();
    return problems;
  }

  private save(): void {
    const resources = this.entries.flatMap((e) => (e.resource ? [e.resource] : []));
    writeFileSync(this.ledgerFile, JSON.stringify({ pid: process.pid, resources }, null, 1));
  }
}

function describe(e: Entry): string {
  if (e.close) return e.close.name;
  const r = e.resource!;
  switch (r.kind) {
    case 'process':
      return `${r.name} (pid ${r.pid})`;
    case 'mount':
      return `mount ${r.dir}`;
    case 'loop':
      return `loop device ${r.device}`;
    case 'cgroup':
      return `cgroup ${r.dir}`;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The PID runs node (a ledger's owner; a reused PID runs something else). */
function isNode(pid: number): boolean {
  try {
    return /(^|\/)node$/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false;
  }
}

/** The PID of the process that wrote a ledger, if the ledger still lists anything. */
function ledgerOwner(ledgerFile: string): number | undefined {
  try {
    const parsed = JSON.parse(readFileSync(ledgerFile, 'utf8')) as { pid?: number; resources?: unknown[] };
    return parsed.resources?.length && parsed.pid && isNode(parsed.pid) ? parsed.pid : undefined;
  } catch {
    return undefined;
  }
}

/** The PID still runs the program we started (not a reused PID). */
async function sameProgram(pid: number, argv0: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const first = cmdline.split('\0')[0] ?? '';
  return path.basename(first) === path.basename(argv0);
}

async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && alive(pid); i++) await sleepMs(100);
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && alive(pid); i++) await sleepMs(100);
  }
}

async function releaseResource(r: Resource, checkProgram: boolean): Promise<void> {
  switch (r.kind) {
    case 'process':
      if (checkProgram && !(await sameProgram(r.pid, r.argv0))) return;
      await stopPid(r.pid);
      return;
    case 'mount': {
      const mounts = await readFile('/proc/mounts', 'utf8');
      if (!mounts.split('\n').some((l) => l.split(' ')[1] === r.dir)) return;
      const u = await runCommand('umount', [r.dir]);
      if (u.code !== 0) {
        const lazy = await runCommand('umount', ['-l', r.dir]);
        if (lazy.code !== 0) throw new Error(`umount failed: ${u.stderr.trim()}`);
      }
      return;
    }
    case 'loop': {
      // only detach the device if it still backs our file
      const info = await runCommand('losetup', ['-n', '-O', 'BACK-FILE', r.device]);
      if (info.code !== 0 || !info.stdout.includes(r.backingFile)) return;
      const d = await runCommand('losetup', ['-d', r.device]);
      if (d.code !== 0) throw new Error(`losetup -d failed: ${d.stderr.trim()}`);
      return;
    }
    case 'cgroup': {
      if (!existsSync(r.dir)) return;
      // anything still inside was started by this run (fio's workers): stop it first
      const procs = (await readFile(path.join(r.dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
      for (const pid of procs) await stopPid(pid);
      for (let i = 0; i < 20; i++) {
        try {
          await rmdir(r.dir);
          return;
        } catch (err) {
          if (i === 19) throw err;
          await sleepMs(250);
        }
      }
    }
  }
}

/**
 * Undoes what a run's `resources.json` still lists, for a run whose process is gone. Processes
 * are only stopped when their PID still runs the recorded program. Returns what was left over.
 */
export async function sweepLedger(ledgerFile: string): Promise<string[]> {
  if (!existsSync(ledgerFile)) return [];
  let parsed: { pid?: number; resources?: Resource[] };
  try {
    parsed = JSON.parse(readFileSync(ledgerFile, 'utf8')) as { pid?: number; resources?: Resource[] };
  } catch {
    return [`${ledgerFile}: unreadable ledger`];
  }
  const resources = parsed.resources ?? [];
  if (resources.length === 0) return [];
  if (parsed.pid && parsed.pid !== process.pid && alive(parsed.pid) && isNode(parsed.pid)) return [`${ledgerFile}: its run (pid ${parsed.pid}) is still going`];
  const problems: string[] = [];
  const order = [...resources].reverse();
  for (const r of [...order.filter((x) => x.kind === 'process'), ...order.filter((x) => x.kind !== 'process')]) {
    try {
      await releaseResource(r, true);
    } catch (err) {
      problems.push(`${describe({ resource: r })}: ${(err as Error).message}`);
    }
  }
  writeFileSync(ledgerFile, JSON.stringify({ pid: parsed.pid, resources: [], sweptBy: process.pid }, null, 1));
  return [`swept ${resources.length} leftover resources of ${ledgerFile}`, ...problems];
}

/** Hierarchy roots from /proc/mounts: every cgroup v1 mount and the cgroup2 mount. */
export function cgroupRoots(procMounts: string): string[] {
  return procMounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((m) => (m[2] === 'cgroup' || m[2] === 'cgroup2') && m[1])
    .map((m) => m[1]!);
}

export interface OrphanScan {
  /** `/proc/mounts` */
  mounts: string;
  /** `losetup -l -n -O NAME,BACK-FILE` */
  loops: string;
  /** Every `rootline-lab-*` folder directly under a cgroup hierarchy root. */
  cgroupDirs: string[];
}

/**
 * What a run under `baseDir` left on the machine although its ledger does not list it (a kill
 * between creating a loop device and recording it): mounts below `<baseDir>/<runId>/`, loop
 * devices backed by a file there (also once deleted), and the cgroups named after the run
 * (`rootline-lab-<runId>`, `rootline-lab-<runId>-<member>`). Only for the given run ids: those
 * whose process is gone. Pure, so the rules are tested without root.
 */
export function planOrphanSweep(baseDir: string, runIds: string[], scan: OrphanScan): Resource[] {
  const out: Resource[] = [];
  const prefixes = runIds.map((id) => `${path.join(baseDir, id)}/`);
  const under = (p: string): boolean => prefixes.some((x) => p.startsWith(x));
  // /proc/mounts escapes spaces and the like as octal
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  for (const line of scan.mounts.split('\n')) {
    const dir = unescape(line.split(' ')[1] ?? '');
    if (dir && under(dir)) out.push({ kind: 'mount', dir });
  }
  for (const line of scan.loops.split('\n')) {
    const m = /^(\/dev\/loop\d+)\s+(.+?)(?: \(deleted\))?\s*$/.exec(line.trim());
    if (m && under(m[2]!)) out.push({ kind: 'loop', device: m[1]!, backingFile: m[2]! });
  }
  for (const dir of scan.cgroupDirs) {
    const name = path.basename(dir);
    if (runIds.some((id) => name === `rootline-lab-${id}` || name.startsWith(`rootline-lab-${id}-`))) out.push({ kind: 'cgroup', dir });
  }
  return out;
}

/** The `rootline-lab-*` cgroups on this machine, in every hierarchy. */
export function listLabCgroups(): string[] {
  const out: string[] = [];
  let mounts = '';
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return out;
  }
  for (const root of cgroupRoots(mounts)) {
    try {
      for (const d of readdirSync(root, { withFileTypes: true })) if (d.isDirectory() && d.name.startsWith('rootline-lab-')) out.push(path.join(root, d.name));
    } catch {
      // an unreadable hierarchy holds nothing of ours
    }
  }
  return out;
}

async function scanMachine(): Promise<OrphanScan> {
  const loops = await runCommand('losetup', ['-l', '-n', '-O', 'NAME,BACK-FILE']);
  return { mounts: await readFile('/proc/mounts', 'utf8').catch(() => ''), loops: loops.code === 0 ? loops.stdout : '', cgroupDirs: listLabCgroups() };
}

/** Run folders under `baseDir` whose run is over (no ledger, or a ledger whose process is gone). */
function finishedRuns(baseDir: string): string[] {
  if (!existsSync(baseDir)) return [];
  return readdirSync(baseDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((id) => {
      const owner = ledgerOwner(path.join(baseDir, id, 'resources.json'));
      return owner === undefined || !alive(owner);
    });
}

/**
 * Undoes what finished runs under `baseDir` left and no ledger lists: processes still inside the
 * runs' cgroups first, then mounts, loop devices and the cgroups themselves.
 */
export async function sweepOrphans(baseDir: string): Promise<string[]> {
  const plan = planOrphanSweep(baseDir, finishedRuns(baseDir), await scanMachine());
  if (plan.length === 0) return [];
  const problems: string[] = [];
  const order = [...plan.filter((r) => r.kind === 'mount'), ...plan.filter((r) => r.kind === 'loop'), ...plan.filter((r) => r.kind === 'cgroup')];
  for (const r of plan.filter((x) => x.kind === 'cgroup')) {
    const dir = (r as { dir: string }).dir;
    const procs = (await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
    for (const pid of procs) await stopPid(pid).catch((err: Error) => problems.push(`pid ${pid} in ${dir}: ${err.message}`));
  }
  for (const r of order) {
    try {
      await releaseResource(r, true);
    } catch (err) {
      problems.push(`${describe({ resource: r })}: ${(err as Error).message}`);
    }
  }
  return [`swept ${plan.length} resources that no ledger listed: ${plan.map((r) => describe({ resource: r })).join(', ')}`, ...problems];
}

/**
 * What is still on the machine from runs under `baseDir` that are over: loop devices, mounts,
 * `rootline-lab-*` cgroups of those runs, and processes whose command line names a run folder.
 * Empty when the machine is clean; `npm run test:lab` fails when it is not.
 */
export async function leftovers(baseDir: string): Promise<string[]> {
  const runIds = finishedRuns(baseDir);
  const out = planOrphanSweep(baseDir, runIds, await scanMachine()).map((r) => describe({ resource: r }));
  const prefixes = runIds.map((id) => `${path.join(baseDir, id)}/`);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const cmd = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (prefixes.some((p) => cmd.includes(p))) out.push(`process ${d}: ${cmd.split('\0').join(' ').trim().slice(0, 160)}`);
  }
  return out;
}
