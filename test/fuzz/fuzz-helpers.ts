/**
 * Shared by the fuzz and property tests: seed files (the format fixtures), line mutations, one
 * reusable temporary bundle, and the budget. CI runs a bounded number of cases; a longer campaign
 * sets `ROOTLINE_FUZZ_RUNS` (cases per property) and `ROOTLINE_FUZZ_SEED` to replay one.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { SignalSet, SourceReport } from '../../correlators/signals/index.js';
import { readBundle } from '../../server/sources/files/index.js';
import { FIXTURES, WINDOW } from '../server/sources/files/helpers.js';

/** Cases per property: small in CI, raised by hand for a campaign. */
export const RUNS = Number(process.env['ROOTLINE_FUZZ_RUNS'] ?? 0) || 0;
export const SEED = process.env['ROOTLINE_FUZZ_SEED'] === undefined ? undefined : Number(process.env['ROOTLINE_FUZZ_SEED']);

/** fast-check parameters: `ciRuns`, or more for a campaign (never fewer); every failure prints its seed and path. */
export function fcParams(ciRuns: number): fc.Parameters<unknown> {
  return { numRuns: Math.max(RUNS, ciRuns), ...(SEED === undefined ? {} : { seed: SEED }) };
}

/** Totals over a test file, printed as a diagnostic for the note. */
export const tally = { inputs: 0, lines: 0, badLines: 0, records: 0, crashes: 0 };

export interface Seed {
  /** Fixture path under test/fixtures/files, also the path in the bundle (its name is a hint). */
  rel: string;
  format: string;
  /** Every line is a record of its own, so reordering lines keeps all of them. */
  independentLines: boolean;
  /**
   * Edits that change what the good lines mean, left out of the no-loss property: a duplicated CRI
   * or Docker partial line joins twice into one broken message; a blank line inside an iostat
   * block ends the block (iostat never writes one there; the values line is then counted bad).
   */
  noDuplicate?: boolean;
  noBlank?: boolean;
  /** A whole-document format (JSON): a garbage line breaks the document, so nothing is promised about loss. */
  document: boolean;
}

export const SEEDS: Seed[] = [
  { rel: 'audit/audit.log', format: 'kube-audit', independentLines: true, document: false },
  { rel: 'etcd/etcd-cp-2.log', format: 'etcd-zap-json', independentLines: true, document: false },
  { rel: 'etcd/etcd-3.4.log', format: 'etcd-text', independentLines: true, document: false },
  { rel: 'klog/kube-apiserver.log', format: 'klog', independentLines: false, document: false },
  { rel: 'journald/kubelet-node-1.log', format: 'journald', independentLines: false, document: false },
  { rel: 'coredns/coredns.log', format: 'kubectl-logs', independentLines: true, document: false },
  { rel: 'containers/etcd-cp-1_kube-system_etcd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log', format: 'cri', independentLines: false, document: false, noDuplicate: true },
  {
    rel: 'containers/kube-scheduler-cp-1_kube-system_kube-scheduler-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log',
    format: 'docker-json',
    independentLines: false,
    document: false,
    noDuplicate: true,
  },
  { rel: 'events/events.txt', format: 'k8s-events-table', independentLines: false, document: false },
  { rel: 'events/events.json', format: 'k8s-events-json', independentLines: false, document: true },
  { rel: 'iostat/cp-1.txt', format: 'iostat', independentLines: false, document: false, noBlank: true },
  { rel: 'metrics/metrics.om', format: 'openmetrics', independentLines: false, document: false },
  { rel: 'metrics/leader-changes.json', format: 'prometheus-query-range', independentLines: false, document: true },
];

export async function readSeedLines(seed: Seed): Promise<Buffer[]> {
  const buf = await readFile(path.join(FIXTURES, seed.rel));
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
    lines.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  if (start < buf.length) lines.push(buf.subarray(start));
  return lines;
}

/** One line of garbage (never a `\n`): text, any Unicode, raw bytes, invalid UTF-8, control characters. */
export const garbageLine: fc.Arbitrary<Buffer> = fc
  .oneof(
    fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.constantFrom(
      // invalid UTF-8: a lone continuation byte, a truncated 3-byte sequence, overlong NUL, surrogate half
      Buffer.from([0x80]),
      Buffer.from([0xe2, 0x82]),
      Buffer.from([0xc0, 0x80]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xff, 0xfe, 0x00, 0x00]),
      Buffer.from('{"kind":"Event","stageTimestamp":"9999-99-99T99:99:99Z"}'),
      Buffer.from('E1399 25:61:61.000000 1 x.go:1] out of range'),
      Buffer.from('{"level":"warn","ts":"-271821-04-20T00:00:00Z","msg":"x"}'),
      Buffer.from('{"ts":1e400,"level":"error","msg":"x"}'),
      Buffer.from('\u0000\u0001\u0002\u001b[31m'),
      Buffer.from('\r'),
      Buffer.from(''),
    ),
  )
  .map((b) => Buffer.from(b.filter((byte) => byte !== 10)));

/** A line edit that may destroy a good line (robustness only). */
export type LineOp =
  | { op: 'garbage'; at: number; line: Buffer }
  | { op: 'truncate'; at: number; keep: number }
  | { op: 'duplicate'; at: number }
  | { op: 'swap'; a: number; b: number }
  | { op: 'shiftTime'; at: number; to: string }
  | { op: 'flipByte'; at: number; pos: number; byte: number };

/** Timestamps out of range, in odd zones, or not timestamps at all. */
const oddTime = fc.constantFrom('0000', '9999', '1969', '2106', '-001', '13', '00', '32', '25:61', '+14:00', '-12:00', '+99:99', 'Z', '', '.999999999999', 'NaN', '1e308');

export const lineOp: fc.Arbitrary<LineOp> = fc.oneof(
  fc.record({ op: fc.constant('garbage' as const), at: fc.nat(), line: garbageLine }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), keep: fc.nat({ max: 400 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constant('shiftTime' as const), at: fc.nat(), to: oddTime }),
  fc.record({ op: fc.constant('flipByte' as const), at: fc.nat(), pos: fc.nat({ max: 400 }), byte: fc.integer({ min: 0, max: 255 }) }),
);

/** Edits that keep every good line intact: garbage lines inserted, lines duplicated (and swapped, for independent lines). */
export const safeLineOp = (seed: Seed): fc.Arbitrary<LineOp> =>
  fc.oneof(
    fc.record({ op: fc.constant('garbage' as const), at: fc.nat(), line: seed.noBlank ? garbageLine.filter((l) => l.toString('latin1').trim() !== '') : garbageLine }),
    ...(seed.noDuplicate ? [] : [fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() })]),
    ...(seed.independentLines ? [fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() })] : []),
  );

export function applyOps(seed: Buffer[], ops: LineOp[]): Buffer[] {
  const lines = [...seed];
  for (const o of ops) {
    const n = lines.length;
    if (n === 0) break;
    switch (o.op) {
      case 'garbage':
        lines.splice(o.at % (n + 1), 0, o.line);
        break;
      case 'truncate': {
        const i = o.at % n;
        lines[i] = lines[i]!.subarray(0, Math.min(o.keep, lines[i]!.length));
        break;
      }
      case 'duplicate': {
        const i = o.at % n;
        lines.splice(i, 0, lines[i]!);
        break;
      }
      case 'swap': {
        const a = o.a % n;
        const b = o.b % n;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        break;
      }
      case 'shiftTime': {
        const i = o.at % n;
        // the first run of digits that looks like a year, a time or a zone is replaced
        lines[i] = Buffer.from(lines[i]!.toString('latin1').replace(/\d{4}|\d\d:\d\d|Z(?=")|[+-]\d\d:\d\d/, o.to), 'latin1');
        break;
      }
      case 'flipByte': {
        const i = o.at % n;
        const copy = Buffer.from(lines[i]!);
        if (copy.length > 0) copy[o.pos % copy.length] = o.byte === 10 ? 32 : o.byte;
        lines[i] = copy;
        break;
      }
    }
  }
  return lines;
}

export interface Encoding {
  crlf: boolean;
  gzip: boolean;
  /** The file ends without a newline. */
  noFinalNewline: boolean;
}

export const encoding: fc.Arbitrary<Encoding> = fc.record({ crlf: fc.boolean(), gzip: fc.boolean(), noFinalNewline: fc.boolean() });

export function encodeLines(lines: Buffer[], enc: Encoding): Buffer {
  const eol = Buffer.from(enc.crlf ? '\r\n' : '\n');
  const parts: Buffer[] = [];
  lines.forEach((l, i) => {
    parts.push(l);
    if (i < lines.length - 1 || !enc.noFinalNewline) parts.push(eol);
  });
  const raw = Buffer.concat(parts);
  return enc.gzip ? gzipSync(raw) : raw;
}

/** Lines the reader should count in `raw` (uncompressed): every `\n`, plus a last unterminated one. */
export function countLines(raw: Buffer): number {
  let n = 0;
  for (let i = raw.indexOf(10); i >= 0; i = raw.indexOf(10, i + 1)) n++;
  return raw.length > 0 && raw[raw.length - 1] !== 10 ? n + 1 : n;
}

/** A temporary bundle reused by every case of a property: one file, rewritten each time. */
export class ScratchBundle {
  private constructor(readonly dir: string) {}

  static async create(): Promise<ScratchBundle> {
    return new ScratchBundle(await mkdtemp(path.join(tmpdir(), 'rootline-fuzz-')));
  }

  async read(files: Record<string, Buffer>): Promise<SignalSet> {
    await rm(this.dir, { recursive: true, force: true });
    for (const [rel, body] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(this.dir, rel)), { recursive: true });
      await writeFile(path.join(this.dir, rel), body);
    }
    const set = await readBundle(this.dir, WINDOW);
    tally.inputs++;
    for (const s of set.sources) {
      tally.lines += s.lines;
      tally.badLines += s.badLines;
      tally.records += s.records;
    }
    return set;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

const STATUSES = new Set(['ok', 'degraded', 'failed', 'unknown']);

/** What must hold for any input: a report per file, sane counts, finite times, bounded samples. Returns the problems. */
export function checkInvariants(set: SignalSet, expectedLines?: number): string[] {
  const problems: string[] = [];
  const r: SourceReport | undefined = set.sources[0];
  if (!r) return ['no SourceReport for the file'];
  if (!STATUSES.has(r.status)) problems.push(`status ${r.status}`);
  if (r.badLines < 0 || r.badLines > Math.max(r.lines, 1)) problems.push(`badLines ${r.badLines} of ${r.lines} lines`);
  if (r.badSamples.length > 20) problems.push(`${r.badSamples.length} bad samples kept`);
  for (const b of r.badSamples) if (b.excerpt.length > 200) problems.push(`bad-line excerpt of ${b.excerpt.length} chars`);
  // the reader's safety net turns a parser exception into a bad line: any is a parser bug
  for (const b of r.badSamples) if (b.reason.startsWith('parser error')) problems.push(`line ${b.line}: ${b.reason}`);
  if (r.message?.includes('parser error')) problems.push(r.message);
  // a line-based reader that finished counts every line; a document reader counts what it parsed
  if (expectedLines !== undefined && r.status !== 'failed' && r.status !== 'unknown' && r.lines !== expectedLines) problems.push(`lines ${r.lines}, the file has ${expectedLines}`);
  for (const l of set.logs) {
    if (!Number.isFinite(l.atMs)) problems.push(`log record at ${l.atMs}`);
    if (l.raw.length > 1000) problems.push(`raw of ${l.raw.length} chars`);
  }
  for (const s of set.series) {
    if (s.t.length !== s.v.length) problems.push(`series ${s.metric}: ${s.t.length} times, ${s.v.length} values`);
    if (s.t.some((t) => !Number.isFinite(t))) problems.push(`series ${s.metric}: a non-finite time`);
  }
  return problems;
}

/** `atMs severity` of each record (the multiset a mutation must not shrink). */
export function recordKeys(set: SignalSet): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of set.logs) {
    const k = `${l.atMs} ${l.severity} ${l.component}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Keys of `expected` missing (or fewer) in `actual`. */
export function missingKeys(expected: Map<string, number>, actual: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, n] of expected) if ((actual.get(k) ?? 0) < n) out.push(`${k} x${n - (actual.get(k) ?? 0)}`);
  return out;
}

/** Points of every series, `metric host t`. */
export function pointKeys(set: SignalSet): Set<string> {
  const out = new Set<string>();
  for (const s of set.series) s.t.forEach((t, i) => Number.isNaN(s.v[i]) || out.add(`${s.metric} ${s.host ?? ''} ${JSON.stringify(s.labels)} ${t}`));
  return out;
}

export function auditTotal(set: SignalSet): number {
  return set.audit.reduce((n, a) => n + a.total.reduce((x, y) => x + y, 0), 0);
}
