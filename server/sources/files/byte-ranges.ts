/**
 * Cuts a file into byte ranges that start at line starts, so that each can be read apart (by a
 * worker) and every line falls in exactly one range. A cut goes at the first line start at or
 * after its nominal offset; a line longer than the gap between two cuts swallows the later cut.
 */
import { open } from 'node:fs/promises';
import type { ByteRange } from './read-text.js';

const PROBE_BYTES = 64 * 1024;

/** Ranges of about `rangeBytes` each covering [0, bytes) of the file, in order, none empty. */
export async function byteRangesOf(absPath: string, bytes: number, rangeBytes: number): Promise<ByteRange[]> {
  if (bytes <= 0) return [];
  const parts = Math.max(1, Math.ceil(bytes / Math.max(1, rangeBytes)));
  const step = bytes / parts;
  const fh = await open(absPath, 'r');
  try {
    const cuts: number[] = [0];
    const buf = Buffer.alloc(PROBE_BYTES);
    for (let k = 1; k < parts; k++) {
      const nominal = Math.floor(k * step);
      // a long line may already have carried the previous cut past this one
      let pos = Math.max(nominal - 1, cuts.at(-1)!);
      let cut = bytes;
      while (pos < bytes) {
        const { bytesRead } = await fh.read(buf, 0, PROBE_BYTES, pos);
        if (bytesRead === 0) break;
        const nl = buf.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0) {
          cut = pos + nl + 1;
          break;
        }
        pos += bytesRead;
      }
      if (cut > cuts.at(-1)! && cut < bytes) cuts.push(cut);
    }
    return cuts.map((start, i) => ({ start, end: cuts[i + 1] ?? bytes }));
  } finally {
    await fh.close();
  }
}
