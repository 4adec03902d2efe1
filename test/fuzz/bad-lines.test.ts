// Bad lines are counted, one for one, and reported with file:line: for the formats whose every
// line is a record of its own, k unparsable lines (binary garbage, invalid UTF-8, a truncated JSON
// object, a line with an impossible timestamp) inserted among the good ones add exactly k bad lines,
// keep every good record, and each is sampled at its line number (up to the sample cap).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLines, missingKeys, readSeedLines, recordKeys, ScratchBundle, SEEDS } from './fuzz-helpers.js';

const BAD: Record<string, Buffer[]> = {
  binary: [Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9c, 0x80, 0x7f])],
  invalidUtf8: [Buffer.from([0x7b, 0x22, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x22])],
  truncatedJson: [Buffer.from('{"level":"warn","ts":"2026-01-24T09:0')],
  impossibleTime: [Buffer.from('{"level":"warn","ts":"2026-13-45T25:61:61Z","msg":"x","kind":"Event","stageTimestamp":"2026-13-45T25:61:61Z"}')],
};

let scratch: ScratchBundle;
before(async () => {
  scratch = await ScratchBundle.create();
});
after(() => scratch.dispose());

// `kubectl logs --prefix` output folds a line without the prefix into the record before it (a
// multi-line message), so an inserted line there is not always a bad one: left to the fuzz tests.
const FOLDS_CONTINUATIONS = new Set(['kubectl-logs']);

for (const seed of SEEDS.filter((s) => s.independentLines && !s.document && !FOLDS_CONTINUATIONS.has(s.format))) {
  test(`${seed.format}: k bad lines among good ones are k more bad lines, sampled at their line, no record lost`, async () => {
    const lines = await readSeedLines(seed);
    const clean = await scratch.read({ [seed.rel]: encodeLines(lines, { crlf: false, gzip: false, noFinalNewline: false }) });
    const cleanReport = clean.sources[0]!;
    const bad = Object.values(BAD).flat();
    // one bad line after every few good ones: lines 2, 5, 8, ... (1-based) of the new file
    const mixed: Buffer[] = [];
    const badAt: number[] = [];
    let k = 0;
    lines.forEach((l, i) => {
      if (i % 2 === 1 && k < bad.length * 2) {
        mixed.push(bad[k % bad.length]!);
        badAt.push(mixed.length);
        k++;
      }
      mixed.push(l);
    });
    const set = await scratch.read({ [seed.rel]: encodeLines(mixed, { crlf: false, gzip: false, noFinalNewline: false }) });
    const r = set.sources[0]!;
    assert.equal(r.format, cleanReport.format);
    assert.equal(r.lines, cleanReport.lines + k, 'every line counted');
    assert.equal(r.badLines, cleanReport.badLines + k, `${k} bad lines inserted`);
    assert.deepEqual(missingKeys(recordKeys(clean), recordKeys(set)), [], 'good records kept');
    const sampled = r.badSamples.map((b) => b.line).filter((n) => badAt.includes(n));
    assert.deepEqual(sampled, badAt.slice(0, sampled.length), 'samples name the bad lines, in order');
    assert.ok(sampled.length >= Math.min(k, 5), `${sampled.length} of ${k} bad lines sampled`);
    for (const b of r.badSamples) assert.equal(b.file, seed.rel);
    assert.notEqual(r.status, 'ok', 'a file with bad lines is not reported ok');
  });
}
