import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisWindow } from '../../../../correlators/signals/index.js';
import { AuditRangeMerger } from '../../../../server/sources/files/audit-ranges.js';
import { FileContext } from '../../../../server/sources/files/file-context.js';
import { AuditFold } from '../../../../server/sources/files/audit-fold.js';
import { readBundleFiles } from '../../../../server/sources/files/read-bundle.js';
import { bundleOf, iso, utc, WINDOW } from './helpers.js';

const FILE = { absPath: '/nonexistent/audit.log', relPath: 'audit/audit.log', bytes: 0 };

interface LineSpec {
  atMs: number;
  latencyMs: number;
  verb?: string;
  code?: number;
  ua?: string;
  stage?: string;
  annotation?: string;
}

function auditLine(i: number, s: LineSpec): string {
  const status = s.code !== undefined && s.code >= 400 ? `"status":"Failure","message":"failure ${i}",` : '';
  const ann = s.annotation ? `,"apiserver.latency.k8s.io/${s.annotation}":"1.2s"` : '';
  const verb = s.verb ?? 'get';
  return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"${i}","stage":"${s.stage ?? 'ResponseComplete'}",` +
    `"requestURI":"/api/v1/pods${verb === 'watch' ? '?watch=true' : ''}","verb":"${verb}","user":{"username":"u${i % 7}"},"userAgent":"${s.ua ?? 'ua/1'}",` +
    `"objectRef":{"resource":"pods","namespace":"ns${i % 3}"},"responseStatus":{"metadata":{},${status}"code":${s.code ?? 200}},` +
    `"requestReceivedTimestamp":"${iso(s.atMs - s.latencyMs).replace('.000Z', '.000000Z')}","stageTimestamp":"${iso(s.atMs)}","annotations":{"authorization.k8s.io/decision":"allow"${ann}}}`;
}

/** A deterministic mix: every verb, code and sample kind, bad lines, other stages, times outside the window. */
function mixedLines(n: number, opts: { agents?: number; verbs?: number } = {}): string[] {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  const codes = [200, 200, 200, 201, 404, 409, 429, 410, 500, 503, 504];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.01) out.push(i % 2 ? '{"kind":"Event",' : 'not json at all');
    else if (r < 0.02) out.push(auditLine(i, { atMs: WINDOW.fromMs + 5000, latencyMs: 3, stage: 'RequestReceived' }));
    else if (r < 0.03) out.push(auditLine(i, { atMs: WINDOW.toMs + 1000, latencyMs: 3 }));
    else {
      out.push(auditLine(i, {
        atMs: WINDOW.fromMs + Math.floor(rnd() * 600_000),
        latencyMs: rnd() < 0.05 ? 1000 + Math.floor(rnd() * 4000) : Math.floor(rnd() * 200),
        verb: opts.verbs ? `verb${Math.floor(rnd() * opts.verbs)}` : verbs[Math.floor(rnd() * verbs.length)]!,
        code: codes[Math.floor(rnd() * codes.length)]!,
        ua: `agent-${Math.floor(rnd() * (opts.agents ?? 30))}`,
        ...(rnd() < 0.03 ? { annotation: rnd() < 0.5 ? 'etcd' : 'total' } : {}),
      }));
    }
  }
  return out;
}

function singlePass(lines: string[], window: AnalysisWindow = WINDOW): FileContext {
  const ctx = new FileContext(FILE.relPath, window, {}, undefined, 0);
  ctx.report.format = 'kube-audit';
  const fold = new AuditFold(ctx);
  lines.forEach((l, i) => {
    ctx.report.lines = i + 1;
    fold.line(l, i + 1);
  });
  fold.end();
  return ctx;
}

/** The ranges cut at `cuts` (line indexes), folded apart and merged in a shuffled arrival order. */
function merged(lines: string[], cuts: number[], window: AnalysisWindow = WINDOW): AuditRangeMerger {
  const bounds = [0, ...cuts, lines.length];
  const merger = new AuditRangeMerger(FILE, window, bounds.length - 1);
  const results = bounds.slice(0, -1).map((start, k) => {
    const ctx = new FileContext(FILE.relPath, window, {}, undefined, 0);
    const fold = new AuditFold(ctx, 'range');
    lines.slice(start, bounds[k + 1]).forEach((l, i) => {
      ctx.report.lines = i + 1;
      fold.line(l, i + 1);
    });
    return { report: ctx.report, partial: fold.partial() };
  });
  const order = results.map((_, k) => k).reverse();
  for (const k of order) merger.add(k, results[k]!);
  return merger;
}

function assertSame(lines: string[], cuts: number[], why: string, window: AnalysisWindow = WINDOW): void {
  const one = singlePass(lines, window);
  const m = merged(lines, cuts, window);
  assert.equal(m.unmergeable, false, why);
  const many = m.finish();
  assert.deepEqual(many.audit, one.audit, why);
  assert.deepEqual(many.finish(), one.finish(), why);
}

test('merging byte ranges gives exactly the single-pass aggregate', () => {
  const lines = mixedLines(6000);
  // [cuts, why]
  const rows: [number[], string][] = [
    [[], 'one range'],
    [[3000], 'two halves'],
    [[1, 2, 3], 'ranges of one line'],
    [[1000, 1000, 5999], 'an empty range and a last range of one line'],
    [Array.from({ length: 29 }, (_, i) => (i + 1) * 200), 'thirty ranges'],
  ];
  for (const [cuts, why] of rows) assertSame(lines, cuts, why);
  const one = singlePass(lines);
  assert.ok((one.audit[0]?.samples.length ?? 0) > 1000, 'the mix keeps many samples');
  assert.ok(one.report.badSamples.length > 0 && one.finish().limits?.length === 2, 'and has bad lines, other stages and events outside the window');
});

test('merging stays exact where the caps bite: samples per kind and in total, user agents, verbs', () => {
  const at = WINDOW.fromMs + 60_000;
  // 2000 x 429 then 2000 x 503 then 500 slow: 1500 + 1500 kept, the slow ones past the total cap
  const samples = [
    ...Array.from({ length: 2000 }, (_, i) => auditLine(i, { atMs: at, latencyMs: 1, code: 429 })),
    ...Array.from({ length: 2000 }, (_, i) => auditLine(i, { atMs: at, latencyMs: 1, code: 503 })),
    ...Array.from({ length: 500 }, (_, i) => auditLine(i, { atMs: at, latencyMs: 2000 })),
  ];
  for (const cuts of [[1000], [2500], [100, 3999, 4200]]) assertSame(samples, cuts, `samples cut at ${cuts.join(', ')}`);
  const one = singlePass(samples).audit[0];
  assert.deepEqual([one?.samples.length, one?.samplesDropped], [3000, 1500]);
  // 12000 user agents: past the 10000 cap in one pass, under it in each range
  const agents = Array.from({ length: 12_000 }, (_, i) => auditLine(i, { atMs: at + i, latencyMs: 1, ua: `agent-${i}` }));
  assertSame(agents, [6000], '12000 user agents in two ranges of 6000');
  assert.deepEqual(singlePass(agents).finish().limits, ['more than 10000 user agents: the rest are counted as "(other user agents)"']);
  // 80 verbs: past the 64-key cap in one pass, under it in each range
  const verbs = Array.from({ length: 80 }, (_, i) => auditLine(i, { atMs: at, latencyMs: 1, verb: `v${i}` }));
  assertSame(verbs, [40], '80 verbs in two ranges of 40');
  assert.ok(singlePass(verbs).audit[0]?.byVerb.other, 'verbs past the cap count as other');
});

test('a range that hit a cap itself cannot be merged exactly: the merger says so', () => {
  const at = WINDOW.fromMs + 60_000;
  const agents = Array.from({ length: 12_000 }, (_, i) => auditLine(i, { atMs: at, latencyMs: 1, ua: `agent-${i}` }));
  assert.equal(merged(agents, [11_000]).unmergeable, true, '11000 user agents in the first range');
  const verbs = Array.from({ length: 80 }, (_, i) => auditLine(i, { atMs: at, latencyMs: 1, verb: `v${i}` }));
  assert.equal(merged(verbs, [10]).unmergeable, true, '70 verbs in the second range');
});

test('worker threads: a bundle read in parallel, audit logs cut into ranges, equals the read in this thread', async (t) => {
  const window = { fromMs: utc('2026-11-28T02:00:00Z'), toMs: utc('2026-11-28T02:30:00Z') };
  const dir = await bundleOf(t, {
    'audit/audit.log': `${mixedLines(20_000).join('\n')}\n`,
    'audit/verbs.log': Array.from({ length: 2000 }, (_, i) => auditLine(i, { atMs: window.fromMs + i, latencyMs: 1, verb: `v${i}` })).join('\n'),
    'logs/etcd-cp-1.log': Array.from({ length: 50 }, (_, i) => `{"level":"warn","ts":"2026-11-28T02:0${i % 10}:00Z","caller":"wal/wal.go:805","msg":"slow fdatasync","took":"1.5s"}`).join('\n'),
    'logs/kube-apiserver.log': 'I1128 02:01:00.000000       1 a.go:1] hello\n',
  });
  const inThread = await readBundleFiles(dir, window, {}, { workers: 1, parallelMinBytes: 0, rangeBytes: 1 << 30 });
  const progress: number[] = [];
  // ranges of ~256 KiB: audit.log (~10 MB) in about 40 ranges; verbs.log (~1 MB, 2000 verbs) in
  // four, each past the 64-verb cap, so it is read again in one pass
  const parallel = await readBundleFiles(dir, window, { onProgress: (p) => progress.push(p.lines) }, { workers: 2, parallelMinBytes: 0, rangeBytes: 256 * 1024 });
  assert.deepEqual(parallel, inThread);
  assert.equal(inThread.sources.find((s) => s.sourceId === 'audit/audit.log')?.lines, 20_000);
  assert.equal(progress.at(-1), 20_000 + 2000 * 2 + 50 + 1, 'progress counts every line read, verbs.log twice');
});

test('worker threads: an abort stops the read', async (t) => {
  const dir = await bundleOf(t, { 'audit/audit.log': mixedLines(20_000).join('\n') });
  const controller = new AbortController();
  const read = readBundleFiles(dir, WINDOW, { signal: controller.signal }, { workers: 2, parallelMinBytes: 0, rangeBytes: 256 * 1024 });
  setTimeout(() => controller.abort(new Error('stop')), 5);
  await assert.rejects(read, /stop/);
});
