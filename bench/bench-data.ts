/**
 * The benchmark's inputs, made once and kept in the work folder: a generated audit log of about
 * `gb` GB (../shared/bench/generate.mjs, 2000 lines/s), a bundle folder holding only it, a
 * line-aligned prefix for the slow baselines, and a 5 GB log made of re-timed copies.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { DateTime } from 'luxon';

export interface AuditInput {
  /** A bundle folder whose only file is the audit log. */
  bundle: string;
  file: string;
  bytes: number;
  window: { fromMs: number; toMs: number };
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

function utcMs(iso: string): number {
  const dt = DateTime.fromISO(iso, { zone: 'utc' });
  if (!dt.isValid) throw new Error(`bad window time ${iso}`);
  return dt.toMillis();
}

/**
 * A generated log of about `gb` GB: 10 minutes per GB at 2000 lines/s (~890 bytes a line), or 5
 * minutes (the generator's least) at a lower rate for smaller sizes.
 */
export async function ensureAuditLog(work: string, generator: string, gb: number, log: (s: string) => void): Promise<AuditInput> {
  const minutes = Math.max(5, Math.round(gb * 10));
  const rate = Math.max(1, Math.round((2000 * gb * 10) / minutes));
  const out = path.join(work, rate === 2000 ? `gen-${minutes}m` : `gen-${minutes}m-${rate}`);
  const caseDir = path.join(out, 'none-3-1');
  const generated = path.join(caseDir, 'bundle', 'audit', 'audit.log');
  if (!existsSync(path.join(caseDir, 'label.json')) || !existsSync(generated)) {
    log(`generating a ${minutes}-minute audit log at ${rate} lines/s into ${out} (about ${gb} GB, ~${Math.round(gb * 90)} s)...`);
    await mkdir(out, { recursive: true });
    await run(process.execPath, [path.join(generator, 'generate.mjs'), '--out', path.resolve(out), '--seed', '3', '--causes', 'none', '--audit-rate', String(rate), '--minutes', String(minutes)], generator);
  }
  const label = JSON.parse(await readFile(path.join(caseDir, 'label.json'), 'utf8')) as { window: { from: string; to: string } };
  // a bundle of the audit log alone (a hard link: the bundle reader does not follow links out of the folder)
  const bundle = path.join(work, `audit-${path.basename(out).slice(4)}`);
  const file = path.join(bundle, 'audit', 'audit.log');
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true });
    await link(generated, file);
  }
  return { bundle, file, bytes: (await stat(file)).size, window: { fromMs: utcMs(label.window.from), toMs: utcMs(label.window.to) } };
}

/** The first `maxBytes` of `file`, cut at a line end (the file itself when it is smaller). */
export async function ensurePrefix(work: string, input: AuditInput, maxBytes: number): Promise<{ file: string; bytes: number }> {
  if (maxBytes >= input.bytes) return { file: input.file, bytes: input.bytes };
  const file = path.join(work, `prefix-${Math.round(maxBytes / 1e6)}mb.log`);
  if (!existsSync(file)) {
    const fh = await open(input.file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(maxBytes, 1024 * 1024));
      // find the last newline before maxBytes, then copy up to it
      let end = maxBytes;
      for (;;) {
        const from = Math.max(0, end - buf.length);
        const { bytesRead } = await fh.read(buf, 0, end - from, from);
        const nl = buf.subarray(0, bytesRead).lastIndexOf(10);
        if (nl >= 0) {
          end = from + nl + 1;
          break;
        }
        if (from === 0) throw new Error(`no line end in the first ${maxBytes} bytes of ${input.file}`);
        end = from;
      }
      await new Promise<void>((resolve, reject) => {
        createReadStream(input.file, { start: 0, end: end - 1 }).pipe(createWriteStream(`${file}.part`)).on('finish', resolve).on('error', reject);
      });
      await rename(`${file}.part`, file);
    } finally {
      await fh.close();
    }
  }
  return { file, bytes: (await stat(file)).size };
}

/**
 * `copies` copies of the log one after another, copy k shifted k window lengths later (both
 * timestamps of every line), so the result is one log over `copies` times the window.
 */
export async function ensureRetimedCopies(work: string, input: AuditInput, copies: number, log: (s: string) => void): Promise<AuditInput> {
  const spanMs = input.window.toMs - input.window.fromMs;
  const bundle = path.join(work, `audit-x${copies}`);
  const file = path.join(bundle, 'audit', 'audit.log');
  const window = { fromMs: input.window.fromMs, toMs: input.window.fromMs + copies * spanMs };
  // written to a .part file and renamed when complete: an existing file is a finished one
  if (existsSync(file)) return { bundle, file, bytes: (await stat(file)).size, window };
  log(`writing ${copies} re-timed copies of ${input.file} to ${file} (${((input.bytes * copies) / 1e9).toFixed(1)} GB)...`);
  await rm(bundle, { recursive: true, force: true });
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(`${file}.part`, { highWaterMark: 4 * 1024 * 1024 });
  const write = (s: string): Promise<void> => (out.write(s, 'latin1') ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve())));
  for (let k = 0; k < copies; k++) {
    // the minute prefix of each timestamp, shifted; whole minutes keep seconds and fractions as written
    const shifted = new Map<string, string>();
    const shift = (prefix: string): string => {
      let s = shifted.get(prefix);
      if (s === undefined) {
        s = DateTime.fromISO(prefix, { zone: 'utc' }).plus({ milliseconds: k * spanMs }).toFormat("yyyy-MM-dd'T'HH:mm");
        shifted.set(prefix, s);
      }
      return s;
    };
    let carry = '';
    for await (const chunk of createReadStream(input.file, { encoding: 'latin1', highWaterMark: 4 * 1024 * 1024 }) as AsyncIterable<string>) {
      const text = carry + chunk;
      const cut = text.lastIndexOf('\n') + 1;
      carry = text.slice(cut);
      const body = text.slice(0, cut);
      await write(k === 0 ? body : body.replace(/Timestamp":"(\d{4}-\d\d-\d\dT\d\d:\d\d)/g, (_, p: string) => `Timestamp":"${shift(p)}`));
    }
    if (carry) await write(`${k === 0 ? carry : carry.replace(/Timestamp":"(\d{4}-\d\d-\d\dT\d\d:\d\d)/g, (_, p: string) => `Timestamp":"${shift(p)}`)}\n`);
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  await rename(`${file}.part`, file);
  const bytes = (await stat(file)).size;
  return { bundle, file, bytes, window };
}
