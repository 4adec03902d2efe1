/** The files of a bundle folder, recursively, in path order: hidden files and the manifests left out. */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Beside the data, never data: the bundle's manifest and the benchmark's answer key. */
const SKIPPED = new Set(['rootline.json', 'label.json']);

export interface BundleFile {
  absPath: string;
  /** Relative to the bundle folder, with forward slashes: the SourceReport id. */
  relPath: string;
  bytes: number;
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
