/** Running a command for the benchmark: wall time, peak RSS (GNU time when present), its output. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';

export interface Measured {
  wallMs: number;
  /** Peak resident set size of the command (and its children), from GNU time; undefined without it. */
  maxRssMB: number | undefined;
  /**
   * CPU seconds (user + system) of the command, from GNU time. On a loaded machine wall time
   * includes waiting for a core; CPU time of a one-thread run is what it costs on an idle one.
   */
  cpuS: number | undefined;
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function haveGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

/** Runs `cmd args` (stdout captured, or sent to /dev/null with `discardStdout`), timed from spawn to exit. */
export async function measure(cmd: string, args: string[], opts: { discardStdout?: boolean; cwd?: string; stdinFile?: string } = {}): Promise<Measured> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rootline-bench-'));
  const rssFile = path.join(dir, 'rss');
  const useTime = haveGnuTime();
  const argv = useTime ? ['-f', '%M %U %S', '-o', rssFile, cmd, ...args] : args;
  const started = performance.now();
  const child = spawn(useTime ? GNU_TIME : cmd, argv, { cwd: opts.cwd, stdio: ['ignore', opts.discardStdout ? 'ignore' : 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const wallMs = performance.now() - started;
  let maxRssMB: number | undefined;
  let cpuS: number | undefined;
  if (useTime) {
    // GNU time's last line (a command killed by a signal gets a line about it before)
    const [kb, user, sys] = ((await readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    if (kb !== undefined && Number.isFinite(kb) && kb > 0) maxRssMB = kb / 1024;
    if (user !== undefined && sys !== undefined && Number.isFinite(user + sys)) cpuS = user + sys;
  }
  await rm(dir, { recursive: true, force: true });
  return { wallMs, maxRssMB, cpuS, stdout, stderr, exitCode };
}

/** The last line of a child's stdout as JSON (the bench children print one object). */
export function lastJson<T>(m: Measured, what: string): T {
  if (m.exitCode !== 0) throw new Error(`${what} failed (exit ${m.exitCode}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const line = m.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${what} printed no JSON result: ${line.slice(0, 200)}`);
  }
}
