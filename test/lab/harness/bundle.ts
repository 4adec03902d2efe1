/**
 * Packs a run into an incident bundle (shared/bench/CONTRACT.md): etcd's own zap lines and
 * iostat's own reports, trimmed to the labelled window (so the cluster's bootstrap election is
 * not in it), the OpenMetrics export, and beside the bundle `label.json` and `truth/`.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';

/** Keeps the JSON lines whose `ts` lies in [fromMs, toMs]. Returns the number kept. */
export async function trimEtcdLog(src: string, dst: string, fromMs: number, toMs: number): Promise<number> {
  const text = await readFile(src, 'utf8');
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let ts: unknown;
    try {
      ts = (JSON.parse(line) as { ts?: unknown }).ts;
    } catch {
      continue;
    }
    const t = typeof ts === 'string' ? DateTime.fromISO(ts, { zone: 'utc' }) : undefined;
    if (t?.isValid && t.toMillis() >= fromMs && t.toMillis() <= toMs) kept.push(line);
  }
  await writeFile(dst, kept.length ? `${kept.join('\n')}\n` : '');
  return kept.length;
}

/**
 * Keeps iostat's two header lines and the reports whose timestamp line (`S_TIME_FORMAT=ISO`:
 * `2026-11-28T02:45:35+0000`) lies in [fromMs, toMs]. Returns the number of reports kept.
 */
export async function trimIostat(src: string, dst: string, fromMs: number, toMs: number): Promise<number> {
  const lines = (await readFile(src, 'utf8')).split('\n');
  const head = lines.slice(0, 2);
  const blocks: { atMs: number; lines: string[] }[] = [];
  for (const line of lines.slice(2)) {
    const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/.test(line.trim()) ? DateTime.fromFormat(line.trim(), "yyyy-MM-dd'T'HH:mm:ssZZZ", { zone: 'utc' }) : undefined;
    if (t?.isValid) blocks.push({ atMs: t.toMillis(), lines: [line] });
    else blocks[blocks.length - 1]?.lines.push(line);
  }
  const keep = blocks.filter((b) => b.atMs >= fromMs && b.atMs <= toMs);
  await writeFile(dst, `${head.join('\n')}\n${keep.map((b) => b.lines.join('\n')).join('\n')}\n`);
  return keep.length;
}

export interface Label {
  id: string;
  window: { from: string; to: string };
  rootCause: string;
  culprit?: { component: string; host: string };
  onset?: string;
  chain: string[];
  notes: string;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Copies the files that exist into `dir`. */
export async function copyTruth(files: string[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of files) if (existsSync(f)) await copyFile(f, path.join(dir, path.basename(f)));
}
