/**
 * Streaming text input: a file (gzip read transparently, by magic bytes) as decoded chunks or as
 * lines. Never holds a file in memory: a line is capped at 1 MiB, invalid UTF-8 becomes U+FFFD,
 * CRLF loses its CR.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export const MAX_LINE_BYTES = 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

export interface ReadTextOptions {
  signal?: AbortSignal | undefined;
  /** Called with the bytes read from disk so far (compressed bytes for gzip files). */
  onBytes?: ((bytesRead: number) => void) | undefined;
  /** Only these bytes of an uncompressed file (see byte-ranges.ts). */
  range?: ByteRange | undefined;
  /** The whole uncompressed file, already read (see {@link readFileHead}): read from here, not from disk. */
  bytes?: Buffer | undefined;
}

/** Bytes [start, end) of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

export async function isGzipFile(absPath: string): Promise<boolean> {
  const fh = await open(absPath, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function openStream(absPath: string, gzip: boolean, range?: ByteRange): Promise<{ text: Readable; file: ReadStream }> {
  if (range && gzip) throw new Error('a byte range of a gzip file cannot be read on its own');
  // createReadStream's `end` is inclusive; callers never pass an empty range
  const file = createReadStream(absPath, range ? { highWaterMark: CHUNK_BYTES, start: range.start, end: range.end - 1 } : { highWaterMark: CHUNK_BYTES });
  if (!gzip) return { text: file, file };
  // loaded here: most bundles have no gzip file, and start-up time counts (issue 6)
  const { createGunzip } = await import('node:zlib');
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  file.on('error', (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  return { text: gunzip, file };
}

/** The chunks of a file: from disk, or the bytes already read. */
interface ChunkSource {
  text: AsyncIterable<Buffer> | Iterable<Buffer>;
  file: { readonly bytesRead: number };
  destroy(): void;
}

async function openSource(absPath: string, gzip: boolean, opts: ReadTextOptions): Promise<ChunkSource> {
  const bytes = opts.bytes;
  if (bytes !== undefined && !gzip && !opts.range) return { text: [bytes], file: { bytesRead: bytes.length }, destroy() {} };
  const { text, file } = await openStream(absPath, gzip, opts.range);
  return {
    text: text as AsyncIterable<Buffer>,
    file,
    destroy() {
      text.destroy();
      file.destroy();
    },
  };
}

/** Decoded text chunks of the whole file. */
export async function forEachChunk(absPath: string, gzip: boolean, onChunk: (text: string) => void, opts: ReadTextOptions = {}): Promise<void> {
  const source = await openSource(absPath, gzip, { ...opts, range: undefined });
  const { text, file } = source;
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of text) {
      opts.signal?.throwIfAborted();
      opts.onBytes?.(file.bytesRead);
      const s = decoder.write(chunk);
      if (s) onChunk(s);
    }
    const rest = decoder.end();
    if (rest) onChunk(rest);
  } finally {
    source.destroy();
  }
}

export interface LineSink {
  line(text: string, lineNo: number): void;
  /** A line over {@link MAX_LINE_BYTES}: only its start is passed on. */
  tooLong(lineNo: number, head: string): void;
}

/** The first 200 characters of a byte range, decoded. */
function excerpt(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, Math.min(end, start + 800)).slice(0, 200);
}

/**
 * Lines of the file (1-based numbers); returns the number of lines. Lines are cut on the `\n`
 * byte and decoded one by one: no multi-byte character spans a `\n`, and an ASCII chunk (most
 * logs) decodes as latin1, about twice as fast as decoding whole chunks and splitting strings.
 */
export async function forEachLine(absPath: string, gzip: boolean, sink: LineSink, opts: ReadTextOptions = {}): Promise<number> {
  if (opts.range && opts.range.end <= opts.range.start) return 0;
  const source = await openSource(absPath, gzip, opts);
  const { text, file } = source;
  let lineNo = 0;
  // the start of a line that continues in the next chunk
  let carry: Buffer[] = [];
  let carryBytes = 0;
  // while skipping the rest of an over-long line, its start is kept for the report
  let skippingHead: string | undefined;
  const emit = (buf: Buffer, start: number, end: number, ascii: boolean): void => {
    lineNo++;
    const stop = end > start && buf[end - 1] === 13 ? end - 1 : end;
    if (stop - start > MAX_LINE_BYTES) sink.tooLong(lineNo, excerpt(buf, start, stop));
    else sink.line(buf.toString(ascii ? 'latin1' : 'utf8', start, stop), lineNo);
  };
  try {
    for await (const chunk of text) {
      opts.signal?.throwIfAborted();
      opts.onBytes?.(file.bytesRead);
      let start = 0;
      if (skippingHead !== undefined) {
        const nl = chunk.indexOf(10);
        if (nl < 0) continue;
        lineNo++;
        sink.tooLong(lineNo, skippingHead);
        skippingHead = undefined;
        start = nl + 1;
      } else if (carryBytes > 0) {
        const nl = chunk.indexOf(10);
        if (nl < 0 && carryBytes + chunk.length <= MAX_LINE_BYTES) {
          carry.push(chunk);
          carryBytes += chunk.length;
          continue;
        }
        if (nl < 0) {
          const head = Buffer.concat([...carry, chunk.subarray(0, 800)]);
          skippingHead = excerpt(head, 0, head.length);
          carry = [];
          carryBytes = 0;
          continue;
        }
        const line = Buffer.concat([...carry, chunk.subarray(0, nl)]);
        carry = [];
        carryBytes = 0;
        emit(line, 0, line.length, isAscii(line));
        start = nl + 1;
      }
      const ascii = isAscii(chunk);
      for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
        emit(chunk, start, nl, ascii);
        start = nl + 1;
      }
      if (start < chunk.length) {
        if (chunk.length - start > MAX_LINE_BYTES) skippingHead = excerpt(chunk, start, chunk.length);
        else {
          carry.push(chunk.subarray(start));
          carryBytes = chunk.length - start;
        }
      }
    }
  } finally {
    source.destroy();
  }
  if (skippingHead !== undefined) {
    lineNo++;
    sink.tooLong(lineNo, skippingHead);
  } else if (carryBytes > 0) {
    const line = Buffer.concat(carry);
    emit(line, 0, line.length, isAscii(line));
  }
  return lineNo;
}

/**
 * Whether the file is gzip, and its first `maxBytes` of decoded text: {@link isGzipFile} and
 * {@link readHead} in one open and one read for an uncompressed file (sniffing every file of a
 * bundle is otherwise a dozen file-system round trips and a 1 MiB decode per file). `whole`: all
 * of an uncompressed file smaller than that read (256 KiB), for {@link ReadTextOptions.bytes}.
 */
export async function readFileHead(absPath: string, maxBytes = 64 * 1024): Promise<{ gzip: boolean; text: string; truncated: boolean; whole?: Buffer }> {
  // a character is at most 4 bytes: this many bytes hold the first `maxBytes` characters and one more
  const want = 4 * maxBytes + 4;
  const fh = await open(absPath, 'r');
  let buf: Buffer;
  let bytesRead: number;
  try {
    buf = Buffer.allocUnsafe(want);
    ({ bytesRead } = await fh.read(buf, 0, want, 0));
  } finally {
    await fh.close();
  }
  if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return { gzip: true, ...(await readHead(absPath, true, maxBytes)) };
  // decoded as readHead does: an incomplete character at the end is left out
  const text = new StringDecoder('utf8').write(buf.subarray(0, bytesRead));
  const truncated = text.length >= maxBytes;
  const head = { gzip: false, text: text.length > maxBytes ? text.slice(0, maxBytes) : text, truncated };
  // a small file (most files of a bundle) was read whole: its passes need not open it again
  return bytesRead < want ? { ...head, whole: buf.subarray(0, bytesRead) } : head;
}

/** The first `maxBytes` of decoded text (for sniffing the format). */
export async function readHead(absPath: string, gzip: boolean, maxBytes = 64 * 1024): Promise<{ text: string; truncated: boolean }> {
  const { text, file } = await openStream(absPath, gzip);
  const decoder = new StringDecoder('utf8');
  let out = '';
  let truncated = false;
  try {
    for await (const chunk of text as AsyncIterable<Buffer>) {
      out += decoder.write(chunk);
      if (out.length >= maxBytes) {
        truncated = true;
        break;
      }
    }
  } catch (e) {
    // a damaged gzip member still shows its first bytes; the full read reports the error
    if (!out) throw e;
    truncated = true;
  } finally {
    text.destroy();
    file.destroy();
  }
  return { text: out.length > maxBytes ? out.slice(0, maxBytes) : out, truncated };
}
