/**
 * Running the machine's tools (losetup, mkfs.ext4, mount, promtool) with their output captured,
 * and small waiting helpers. Nothing here starts a long-lived process: see processes.ts.
 */
import { execFile } from 'node:child_process';
import { DateTime } from 'luxon';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` to completion; never rejects, the exit code says how it went. */
export function runCommand(cmd: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 127 ? err.message : '') });
    });
  });
}

/** Runs `cmd args` and returns stdout; throws with the command and its stderr when it fails. */
export async function runChecked(cmd: string, args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const r = await runCommand(cmd, args, options);
  if (r.code !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
  return r.stdout;
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every `everyMs` until it returns a value; throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleepMs(everyMs);
  }
}

/** `2026-11-28T02:45:35.123Z` for a wall-clock millisecond. */
export function isoMs(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? String(ms);
}

/** `2026-11-28T02:45:35Z`: whole seconds, as the CLI and label.json take them. */
export function isoSeconds(ms: number): string {
  return DateTime.fromMillis(Math.floor(ms / 1000) * 1000, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? String(ms);
}
