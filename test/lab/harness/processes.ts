/**
 * Long-lived processes of a lab run (etcd, Prometheus, node_exporter, iostat, fio). Each is
 * recorded in the Teardown ledger under its own PID: a wrapper that must run first (joining a
 * cgroup, naming a UTS namespace's host) `exec`s the program, so the PID we stop is the program's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Teardown } from './teardown.js';

export interface StartOptions {
  /** stdout and stderr go here (appended). */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** cgroup folders to join before exec (their `cgroup.procs`). */
  cgroupDirs?: string[];
  /** Run in a new UTS namespace whose host name is this (iostat prints it in its header). */
  hostname?: string;
}

export interface Started {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<string>;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Starts `cmd args` in the background, recorded in the ledger before this returns. */
export function startProcess(td: Teardown, name: string, cmd: string, args: string[], options: StartOptions): Started {
  const pre: string[] = [];
  for (const dir of options.cgroupDirs ?? []) pre.push(`echo $$ > ${shellQuote(`${dir}/cgroup.procs`)}`);
  if (options.hostname) pre.push(`hostname ${shellQuote(options.hostname)}`);
  let file = cmd;
  let argv = args;
  if (options.hostname) {
    // unshare(1) without --fork execs its command in the new namespace: same PID throughout
    file = 'unshare';
    argv = ['--uts', 'sh', '-c', `${pre.join(' && ')} && exec "$0" "$@"`, cmd, ...args];
  } else if (pre.length > 0) {
    file = 'sh';
    argv = ['-c', `${pre.join(' && ')} && exec "$0" "$@"`, cmd, ...args];
  }
  const fd = openSync(options.logFile, 'a');
  const child = spawn(file, argv, { stdio: ['ignore', fd, fd], env: options.env ?? process.env, detached: false });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`cannot start ${name} (${cmd}): spawn failed`);
  td.add({ kind: 'process', name, pid: child.pid, argv0: cmd });
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit ${code}`));
    child.on('error', (err) => resolve(`error ${err.message}`));
  });
  return { name, pid: child.pid, child, exited };
}
