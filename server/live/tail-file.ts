/**
 * Follows one file as it grows, like `tail -F`: the file stays open (a file rotated away or deleted
 * is still read to its end), the byte offset and line number are kept, and only complete lines are
 * handed out (a last line without its newline waits for it). A file that shrinks below the offset
 * was truncated in place (copytruncate): reading restarts at its start.
 */
import { isAscii } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { MAX_LINE_BYTES } from '../sources/files/read-text.js';

/** One line of a file; `tooLong` lines carry only their first characters. */
export interface TailLine {
  /** 1-based line number in the file (restarting after a truncation). */
  no: number;
  text: string;
  tooLong?: true;
}

export interface TailChunk {
  lines: TailLine[];
  /** Bytes consumed from the file by this read. */
  bytes: number;
  /** The file shrank below the offset: this chunk starts again at its first line. */
  truncated: boolean;
  /** More complete bytes are waiting (the read stopped at `maxBytes`). */
  more: boolean;
}

const EXCERPT_CHARS = 200;

export class FileTail {
  #offset = 0;
  #lineNo = 0;
  /** The start of an over-long line whose end has not been seen yet. */
  #skipping: string | undefined;
  #size = 0;

  private constructor(private readonly fh: FileHandle, readonly ino: number, readonly dev: number) {}

  /** Opens `absPath` for following; rejects when it cannot be opened. */
  static async open(absPath: string): Promise<FileTail> {
    const fh = await open(absPath, 'r');
    try {
      const st = await fh.stat();
      return new FileTail(fh, st.ino, st.dev);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Bytes of the file read so far. */
  get offset(): number {
    return this.#offset;
  }

  /** The file's size at the last read. */
  get size(): number {
    return this.#size;
  }

  /** The complete lines written since the last read, at most about `maxBytes` of them. */
  async read(maxBytes = 16 * 1024 * 1024): Promise<TailChunk> {
    const st = await this.fh.stat();
    let truncated = false;
    if (st.size < this.#offset) {
      this.#offset = 0;
      this.#lineNo = 0;
      this.#skipping = undefined;
      truncated = true;
    }
    this.#size = st.size;
    const available = st.size - this.#offset;
    if (available <= 0) return { lines: [], bytes: 0, truncated, more: false };
    const len = Math.min(available, maxBytes);
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await this.fh.read(buf, 0, len, this.#offset);
    const lines: TailLine[] = [];
    const consumed = this.#split(buf.subarray(0, bytesRead), lines);
    this.#offset += consumed;
    return { lines, bytes: consumed, truncated, more: len < available };
  }

  /** Cuts `buf` into lines; returns the bytes consumed (up to the last newline, or an over-long tail). */
  #split(buf: Buffer, out: TailLine[]): number {
    const ascii = isAscii(buf);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      if (this.#skipping !== undefined) {
        out.push({ no: ++this.#lineNo, text: this.#skipping, tooLong: true });
        this.#skipping = undefined;
      } else {
        const stop = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        if (stop - start > MAX_LINE_BYTES) out.push({ no: ++this.#lineNo, text: excerpt(buf, start, stop), tooLong: true });
        else out.push({ no: ++this.#lineNo, text: buf.toString(ascii ? 'latin1' : 'utf8', start, stop) });
      }
      start = nl + 1;
    }
    const rest = buf.length - start;
    // An unfinished line waits for its newline, unless it is already too long to keep.
    if (this.#skipping === undefined && rest > MAX_LINE_BYTES) {
      this.#skipping = excerpt(buf, start, buf.length);
      return buf.length;
    }
    if (this.#skipping !== undefined) return buf.length;
    return start;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

function excerpt(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, Math.min(end, start + 4 * EXCERPT_CHARS)).slice(0, EXCERPT_CHARS);
}
