/**
 * The baseline of the file-ingest benchmark: read the file the way rootline does (1 MiB chunks,
 * lines cut on `\n` bytes, latin1 for ASCII chunks, else UTF-8) and JSON.parse every line, nothing
 * else. Prints {ms, lines, bytes, maxRssMB}.
 */
import { createReadStream } from 'node:fs';
import { isAscii } from 'node:buffer';
import { performance } from 'node:perf_hooks';

const file = process.argv[2];
if (!file) throw new Error('usage: json-parse-loop FILE');
const started = performance.now();
let lines = 0;
let bytes = 0;
let bad = 0;
let carry: Buffer | undefined;
const parse = (buf: Buffer, start: number, end: number, ascii: boolean): void => {
  lines++;
  try {
    JSON.parse(buf.toString(ascii ? 'latin1' : 'utf8', start, end));
  } catch {
    bad++;
  }
};
for await (const piece of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
  bytes += piece.length;
  const chunk = carry ? Buffer.concat([carry, piece]) : piece;
  const ascii = isAscii(chunk);
  let start = 0;
  for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
    parse(chunk, start, nl, ascii);
    start = nl + 1;
  }
  carry = start < chunk.length ? chunk.subarray(start) : undefined;
}
if (carry) parse(carry, 0, carry.length, isAscii(carry));
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, lines, bad, bytes, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
