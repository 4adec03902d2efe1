/** The files of a bundle folder, recursively, in path order: hidden files and the manifests left out. */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SourceReport } from '../../../correlators/signals/index.js';

/** Beside the data, never data: the bundle's manifest and the benchmark's answer key. */
const SKIPPED = new Set(['rootline.json', 'label.json']);

export interface BundleFile {
  absPath: string;
  /** Relative to the bundle folder, with forward slashes: the SourceReport id. */
  relPath: string;
  bytes: number;
}

/** Files read from one bundle at most; the rest (in path order) is reported, not read. */
export const MAX_BUNDLE_FILES = 5000;

/** The files to read, and a SourceReport for each one refused (a link out of the folder) and for the file cap. */
export async function listBundle(dir: string): Promise<{ files: BundleFile[]; skipped: SourceReport[] }> {
  const skipped: SourceReport[] = [];
  const refuse = (sourceId: string, message: string, limit?: string): void => {
    skipped.push({ sourceId, format: 'unknown', status: limit ? 'degraded' : 'failed', message, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0, ...(limit ? { limits: [limit] } : {}) });
  };
  const root = await realpath(dir).catch(() => path.resolve(dir));
  const all = await listBundleFiles(dir);
  const files: BundleFile[] = [];
  for (const f of all) {
    // A symbolic link may point anywhere: only targets inside the bundle folder are read.
    // (a dangling link is left to the reader, whose report says it cannot be opened)
    const real = await realpath(f.absPath).catch(() => undefined);
    if (real !== undefined && real !== root && !real.startsWith(root + path.sep)) refuse(f.relPath, 'not read: a symbolic link to a file outside the bundle folder');
    else files.push(f);
  }
  if (files.length > MAX_BUNDLE_FILES) {
    const n = files.length - MAX_BUNDLE_FILES;
    refuse('(bundle)', `${files.length} files in the bundle: only the first ${MAX_BUNDLE_FILES} in path order were read`, `file limit reached: ${n} files from ${files[MAX_BUNDLE_FILES]!.relPath} on were not read`);
    files.length = MAX_BUNDLE_FILES;
  }
  return { files, skipped };
}

export async function listBundleFiles(dir: string): Promise<BundleFile[]> {
  const out: BundleFile[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || SKIPPED.has(e.name)) continue;
      const a = path.join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      // symlinked folders are not followed (a link to `..` would never end)
      if (e.isDirectory()) await walk(a, r);
      else if (e.isFile() || e.isSymbolicLink()) {
        const bytes = await stat(a).then((s) => (s.isFile() ? s.size : -1), () => 0);
        if (bytes >= 0) out.push({ absPath: a, relPath: r, bytes });
      }
    }
  };
  await walk(dir, '');
  return out.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}
