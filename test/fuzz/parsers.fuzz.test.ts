// The per-line parse functions of the file source called directly, many times, with any text:
// random strings, any Unicode, and real lines with bytes changed, cut or repeated. None may throw
// (a bad line is a value, not an exception) and none may take long on a hostile line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { fixedOffsetZone, parseIsoTimestampMs, parseZoneName } from '../../server/sources/files/civil-time.js';
import { parseAuditLine } from '../../server/sources/files/parse-audit.js';
import { isCriLine, isDockerJsonLine } from '../../server/sources/files/parse-container-log.js';
import { parseCorednsPayload } from '../../server/sources/files/parse-coredns.js';
import { parseEtcdTextLine } from '../../server/sources/files/parse-etcd-text.js';
import { parseEventObject } from '../../server/sources/files/parse-events-json.js';
import { isEventsTableHeader, parseAgeMs } from '../../server/sources/files/parse-events-table.js';
import { parseIostatTimestamp } from '../../server/sources/files/parse-iostat.js';
import { parseJsonLogLine, parseLogTs } from '../../server/sources/files/parse-json-log.js';
import { parseKeyValues, parseKlogMessage, readGoQuoted } from '../../server/sources/files/parse-klog-fields.js';
import { parseKlogHeader } from '../../server/sources/files/parse-klog.js';
import { parseLabels, parseSampleLine } from '../../server/sources/files/parse-openmetrics.js';
import { parsePayload } from '../../server/sources/files/parse-payload.js';
import { hintsFromPath } from '../../server/sources/files/path-hints.js';
import { sniffFormat } from '../../server/sources/files/sniff-format.js';
import { classifyLine } from '../../server/sources/files/sniff-lines.js';
import { FIXTURES, WINDOW } from '../server/sources/files/helpers.js';
import { fcParams, SEEDS, tally } from './fuzz-helpers.js';

/**
 * A hostile line must not cost more than this plus 1 ms per 100 characters: generous, so a loaded
 * CI machine (load 20 on 2 cores was seen) passes, yet a regex gone quadratic on a 20 000-character
 * line takes 5 to 10 s (the events-table header did).
 */
const MAX_MS_PER_CALL = 1000;

/** Called once per file or option, not per line: an unknown zone name costs luxon a failed Intl lookup (~50 ms). */
const NOT_PER_LINE = new Set(['parseZoneName']);

const PARSERS: [string, (line: string) => unknown][] = [
  ['parseAuditLine', (l) => parseAuditLine(l)],
  ['parseJsonLogLine', (l) => parseJsonLogLine(l)],
  ['parseLogTs', (l) => parseLogTs(l)],
  ['parseIsoTimestampMs', (l) => parseIsoTimestampMs(l)],
  ['parseKlogHeader', (l) => parseKlogHeader(l)],
  ['parseKlogMessage', (l) => parseKlogMessage(l)],
  ['parseKeyValues', (l) => parseKeyValues(l, 0, {}, false)],
  ['readGoQuoted', (l) => readGoQuoted(l, 0)],
  ['parseEtcdTextLine', (l) => parseEtcdTextLine(l, fixedOffsetZone(120))],
  ['parseCorednsPayload', (l) => parseCorednsPayload(l)],
  ['parsePayload', (l) => parsePayload(l)],
  ['parseSampleLine', (l) => parseSampleLine(l)],
  ['parseLabels', (l) => parseLabels(l)],
  ['parseIostatTimestamp', (l) => parseIostatTimestamp(l, WINDOW)],
  ['parseAgeMs', (l) => parseAgeMs(l)],
  ['parseZoneName', (l) => parseZoneName(l)],
  ['isCriLine', (l) => isCriLine(l)],
  ['isDockerJsonLine', (l) => isDockerJsonLine(l)],
  ['classifyLine', (l) => classifyLine(l)],
  ['hintsFromPath', (l) => hintsFromPath(l)],
  ['sniffFormat', (l) => sniffFormat(`${l}\n${l}\n`, false, hintsFromPath('logs/x.log'))],
  [
    'parseEventObject',
    (l) => {
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch {
        return undefined;
      }
      return v !== null && typeof v === 'object' ? parseEventObject(v as Record<string, unknown>) : undefined;
    },
  ],
];

/** Real lines of every format, the raw material for mutations. */
async function realLines(): Promise<string[]> {
  const out: string[] = [];
  for (const s of SEEDS) {
    const text = await readFile(path.join(FIXTURES, s.rel), 'utf8');
    out.push(...text.split('\n').filter((l) => l.length > 0 && l.length < 5000));
  }
  return out;
}

test('parse functions never throw and stay fast on any line', async () => {
  const lines = await realLines();
  const mutated = fc.tuple(fc.constantFrom(...lines), fc.array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 6 }), fc.nat()).map(([line, edits, cut]) => {
    let l = line;
    for (const [at, s] of edits) {
      const i = at % (l.length + 1);
      l = l.slice(0, i) + s + l.slice(i + 1);
    }
    return cut % 3 === 0 ? l.slice(0, cut % (l.length + 1)) : l;
  });
  const anyLine = fc.oneof(
    mutated,
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    // long runs of one character: the usual trigger of catastrophic regex backtracking
    fc.tuple(fc.constantFrom(' ', '=', '"', '\\', '{', '[', '0', 'a', ':', '\t'), fc.integer({ min: 1000, max: 20_000 }), fc.constantFrom(...lines)).map(([c, n, l]) => `${l.slice(0, 30)}${c.repeat(n)}`),
  );
  let calls = 0;
  await fc.assert(
    fc.property(anyLine, (line) => {
      for (const [name, parse] of PARSERS) {
        const t0 = performance.now();
        try {
          parse(line);
        } catch (err) {
          tally.crashes++;
          assert.fail(`${name} threw on ${JSON.stringify(line.slice(0, 200))}: ${(err as Error).stack}`);
        }
        const ms = performance.now() - t0;
        calls++;
        assert.ok(NOT_PER_LINE.has(name) || ms < MAX_MS_PER_CALL + line.length / 100, `${name} took ${ms.toFixed(1)} ms on ${JSON.stringify(line.slice(0, 80))}`);
      }
    }),
    fcParams(1500),
  );
  process.stderr.write(`fuzz parsers: ${calls} parse calls over ${PARSERS.length} functions, ${tally.crashes} crashes\n`);
});

// Regressions found by the fuzz campaigns, kept as fixed rows.
test('regression: a kubectl events header followed by a long run of blanks is linear (was 10 s for 20 000 blanks)', () => {
  for (const blank of [' ', '\t']) {
    const line = `NAMESPACE     LAST SEEN${blank.repeat(100_000)}`;
    const t0 = performance.now();
    assert.equal(isEventsTableHeader(line), false);
    sniffFormat(`${line}\n${line}\n`, false, hintsFromPath('events.txt'));
    assert.ok(performance.now() - t0 < 500, `${(performance.now() - t0).toFixed(0)} ms`);
  }
  assert.equal(isEventsTableHeader('NAMESPACE   LAST SEEN   TYPE      REASON   OBJECT   MESSAGE'), true);
  assert.equal(isEventsTableHeader('LAST SEEN   TYPE      REASON   OBJECT   MESSAGE'), true);
});

test('regression: a year written "-001" in an RFC 3339 time is a bad timestamp, not an exception', () => {
  assert.equal(parseIsoTimestampMs('-001-11-28T02:02:00Z'), undefined);
  assert.equal(parseLogTs('-001-11-28T02:02:00Z'), undefined);
});
