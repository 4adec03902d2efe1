// Every mechanism as written, then under the three hard conditions of issue 4, with fixtures in the real formats:
// a source whose clock runs 25 s late, a missing source, and routine confounders in the window.
// The answer must not change: cause, culprit, onset within 15 s, the chain starting at the cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../../server/sources/files/index.js';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import { BundleWriter, WINDOW, at } from '../../helpers/bundle-writer.js';
import { CASES, confounders, type MechanismCase } from './cases.js';

async function analyse(c: MechanismCase, variant: 'as written' | 'skew' | 'missing' | 'confounder'): Promise<Report> {
  const b = new BundleWriter();
  c.build(b);
  if (variant === 'confounder') confounders(b);
  const dir = b.write(variant === 'skew' ? { skewMs: { [c.skew]: 25_000 } } : variant === 'missing' ? { drop: [c.drop] } : {});
  try {
    return analyzeSignals(await readBundle(dir, WINDOW), { nowMs: WINDOW.toMs });
  } finally {
    b.cleanup();
  }
}

for (const c of CASES) {
  for (const variant of ['as written', 'skew', 'missing', 'confounder'] as const) {
    const what = variant === 'as written' ? 'as written' : variant === 'skew' ? `${c.skew} 25 s late` : variant === 'missing' ? `without ${c.drop}` : 'with routine confounders';
    test(`${c.cause} ${what}`, async () => {
      const r = await analyse(c, variant);
      const ranked = r.hypotheses.map((h) => `${h.cause}:${h.scores['ranked']}`).join(', ');
      assert.equal(r.verdict === 'none' ? 'none' : r.hypotheses[0]?.cause, c.cause, `ranked: ${ranked}`);
      if (c.host) assert.equal(r.hypotheses[0]!.culprit?.host, c.host);
      const err = Math.abs(Date.parse(r.onset!) - at(c.onsetSec)) / 1000;
      assert.ok(err <= 15, `onset ${r.onset} is ${err} s from the truth`);
      assert.equal(r.chain[0]?.symptom, c.first);
      const t0 = Date.parse(r.chain[0]!.at);
      for (const l of r.chain.slice(1)) assert.ok(Date.parse(l.at) >= t0, `${l.symptom} at ${l.at} precedes the cause at ${r.chain[0]!.at}`);
      if (variant === 'missing') assert.ok(r.hypotheses[0]!.confidence <= 0.99);
    });
  }
}
