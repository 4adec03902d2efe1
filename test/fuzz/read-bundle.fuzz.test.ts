// Properties of the file source over mutated real files, through the public readBundle: any edit
// of any format (garbage and binary lines, invalid UTF-8, truncated lines, duplicates, reordering,
// timestamps out of range or in odd zones, flipped bytes, CRLF, gzip, no final newline) never
// throws and keeps the report's accounting; edits that leave the good lines intact lose none of
// their records, points or audit events. CI runs a bounded number of cases (ROOTLINE_FUZZ_RUNS
// raises it for a campaign); the totals are printed as a diagnostic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { SignalSet } from '../../correlators/signals/index.js';
import {
  applyOps,
  auditTotal,
  checkInvariants,
  countLines,
  encodeLines,
  encoding,
  fcParams,
  lineOp,
  missingKeys,
  pointKeys,
  readSeedLines,
  recordKeys,
  safeLineOp,
  ScratchBundle,
  SEEDS,
  tally,
} from './fuzz-helpers.js';

let scratch: ScratchBundle;
before(async () => {
  scratch = await ScratchBundle.create();
});
after(async () => {
  await scratch.dispose();
  process.stderr.write(`fuzz read-bundle: ${tally.inputs} inputs, ${tally.lines} lines, ${tally.badLines} bad lines counted, ${tally.records} records, ${tally.crashes} crashes\n`);
});

async function readAs(rel: string, body: Buffer): Promise<SignalSet> {
  try {
    return await scratch.read({ [rel]: body });
  } catch (err) {
    tally.crashes++;
    throw err;
  }
}

for (const seed of SEEDS) {
  test(`fuzz ${seed.format} (${seed.rel.split('/')[0]}): any edit, any encoding, never a crash, lines accounted`, async () => {
    const lines = await readSeedLines(seed);
    await fc.assert(
      fc.asyncProperty(fc.array(lineOp, { maxLength: 12 }), encoding, async (ops, enc) => {
        const body = encodeLines(applyOps(lines, ops), enc);
        const set = await readAs(seed.rel, body);
        const raw = enc.gzip ? gunzipSync(body) : body;
        const problems = checkInvariants(set, seed.document ? undefined : countLines(raw));
        assert.deepEqual(problems, []);
      }),
      fcParams(40),
    );
  });

  test(`fuzz ${seed.format}: garbage${seed.noDuplicate ? '' : ', duplicated'}${seed.independentLines ? ', reordered' : ''} lines lose no good record`, { skip: seed.document ? 'a JSON document broken by a garbage line is reported, not read' : false }, async () => {
    const lines = await readSeedLines(seed);
    const clean = await readAs(seed.rel, encodeLines(lines, { crlf: false, gzip: false, noFinalNewline: false }));
    const expectedRecords = recordKeys(clean);
    const expectedPoints = pointKeys(clean);
    const expectedAudit = auditTotal(clean);
    await fc.assert(
      fc.asyncProperty(fc.array(safeLineOp(seed), { maxLength: Math.max(2, Math.floor(lines.length / 3)) }), encoding, async (ops, enc) => {
        const set = await readAs(seed.rel, encodeLines(applyOps(lines, ops), enc));
        assert.equal(set.sources[0]?.format, clean.sources[0]?.format, 'recognised as the same format');
        assert.deepEqual(missingKeys(expectedRecords, recordKeys(set)), [], 'records of good lines lost');
        const points = pointKeys(set);
        assert.deepEqual([...expectedPoints].filter((p) => !points.has(p)), [], 'points of good lines lost');
        assert.ok(auditTotal(set) >= expectedAudit, `audit events ${auditTotal(set)} < ${expectedAudit}`);
        const bad = set.sources[0]!.badLines;
        const added = ops.filter((o) => o.op === 'garbage' || o.op === 'duplicate').length;
        // every added line is counted as bad at most once (or folded into a record as a continuation, or blank)
        assert.ok(bad <= clean.sources[0]!.badLines + added, `${bad} bad lines for ${added} added lines`);
      }),
      fcParams(25),
    );
  });
}
