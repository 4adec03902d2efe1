/** Shared by the file-source tests: fixture paths, throwaway bundle folders, the fixtures' window. */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { DateTime } from 'luxon';
import type { AnalysisWindow, SignalSet, SourceReport } from '../../../../correlators/signals/index.js';
import { readBundle } from '../../../../server/sources/files/index.js';
import type { FetchOptions } from '../../../../server/sources/types.js';

/** The repository root: the nearest folder above this file with a package.json (tests run from dist/). */
export const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'files');

export function utc(iso: string): number {
  const dt = DateTime.fromISO(iso, { zone: 'utc' });
  if (!dt.isValid) throw new Error(`bad test timestamp ${iso}`);
  return dt.toMillis();
}

export function iso(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? '';
}

/** The window every fixture is written for. */
export const WINDOW: AnalysisWindow = { fromMs: utc('2026-11-28T02:00:00Z'), toMs: utc('2026-11-28T02:30:00Z') };

/** A temporary bundle folder holding `files` (relative path -> content), removed after the test. */
export async function bundleOf(t: TestContext, files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rootline-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

/** Reads one fixture (copied alone into a bundle under the same relative path, so its name hints stay). */
export async function readFixture(t: TestContext, rel: string, window: AnalysisWindow = WINDOW, options: FetchOptions = {}): Promise<{ set: SignalSet; report: SourceReport }> {
  const dir = await bundleOf(t, {});
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await copyFile(path.join(FIXTURES, rel), path.join(dir, rel));
  const set = await readBundle(dir, window, options);
  const report = set.sources[0];
  if (!report) throw new Error(`no report for ${rel}`);
  return { set, report };
}

/** Reads files given inline, one report per file. */
export async function readFiles(t: TestContext, files: Record<string, string | Buffer>, window: AnalysisWindow = WINDOW, options: FetchOptions = {}): Promise<SignalSet> {
  return readBundle(await bundleOf(t, files), window, options);
}
