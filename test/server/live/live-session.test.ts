import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import { PACKAGE_ROOT } from '../../../server/config.js';
import { LiveSession, type LiveSessionOptions, type Subscriber } from '../../../server/live/index.js';
import { NotesStore } from '../../../server/store/index.js';
import { BundleReplay } from './replay-bundle.js';

const EXAMPLE = path.join(PACKAGE_ROOT, 'examples', 'etcd-disk-latency');
const silent = { level: 'silent', fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {}, silent() {}, child() { return silent; } } as never;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function session(dir: string, over: Partial<LiveSessionOptions> = {}, notes = NotesStore.openInMemory()): LiveSession {
  return new LiveSession('s1', { sourceName: 'input', dir, incident: 'files:test', windowMs: 30 * 60_000, intervalMs: 100, clock: 'data', ...over }, { notes, log: silent });
}

interface Seen {
  id?: number;
  type: string;
  data: unknown;
}

function recorder(): Subscriber & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    send(e) {
      seen.push({ ...(e.id !== undefined ? { id: e.id } : {}), type: e.type, data: JSON.parse(e.json) });
    },
    close() {},
  };
}

test('replaying the example line by line: the root cause appears soon after the decisive lines, every line is parsed once', async (t) => {
  const dir = tempDir(t);
  const replay = new BundleReplay(EXAMPLE, dir, 2026);
  const s = session(dir);
  t.after(() => s.stop());
  const viewer = recorder();
  s.subscribe(viewer);
  const start = Date.UTC(2026, 0, 24, 8, 51, 40);
  const end = Date.UTC(2026, 0, 24, 9, 6, 0);
  let namedAtMs: number | undefined;
  for (let data = start; data < end; ) {
    data += 45_000;
    replay.writeUntil(data);
    await s.tick();
    if (namedAtMs === undefined && s.report?.verdict === 'incident' && s.report.hypotheses[0]?.cause === 'etcd-disk-latency') namedAtMs = data;
  }
  // The chain starts at 09:02:12 (disk saturated on cp-2) and ends at 09:03:10 (NodeNotReady).
  assert.ok(namedAtMs !== undefined && namedAtMs <= Date.UTC(2026, 0, 24, 9, 4, 0), `named at ${namedAtMs === undefined ? 'never' : new Date(namedAtMs).toISOString()}`);
  const report = s.report!;
  assert.equal(report.hypotheses[0]!.culprit?.host, 'cp-2');
  // Ingest is incremental: each line went through a parser exactly once.
  const audit = report.sources.find((x) => x.sourceId === 'audit/audit.log')!;
  const written = replay.linesWritten('audit/audit.log');
  assert.equal(audit.lines, written);
  const etcd = report.sources.find((x) => x.sourceId === 'logs/etcd-cp-2.log')!;
  assert.equal(etcd.lines, replay.linesWritten('logs/etcd-cp-2.log'));
  assert.equal(etcd.records, etcd.lines);
  // Viewers heard about it as it happened.
  const types = new Set(viewer.seen.map((e) => e.type));
  for (const type of ['snapshot', 'timeline', 'analysis', 'symptoms', 'series', 'status']) assert.ok(types.has(type), `a ${type} event`);
  const detected = viewer.seen.filter((e) => e.type === 'symptoms').flatMap((e) => (e.data as { detected: { symptom: string }[] }).detected.map((d) => d.symptom));
  assert.ok(detected.includes('etcd-wal-fsync-slow') && detected.includes('node-not-ready'), detected.join());
  const ids = viewer.seen.filter((e) => e.id !== undefined && e.type !== 'snapshot').map((e) => e.id!);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids only grow');
});

test('an entry re-identified since a viewer saw it (its start moved) is still found by its old id, as the entry it became', async (t) => {
  const dir = tempDir(t);
  const replay = new BundleReplay(EXAMPLE, dir, 2026);
  // The clock alignment moves entries when it re-estimates an offset; here every start moves by shiftMs.
  let shiftMs = 0;
  const analyze: typeof analyzeSignals = (signals, options) => {
    const r = analyzeSignals(signals, options);
    return { ...r, timeline: r.timeline.map((e) => ({ ...e, atMs: e.atMs + shiftMs, at: new Date(e.atMs + shiftMs).toISOString() })) };
  };
  const s = new LiveSession('s1', { sourceName: 'input', dir, incident: 'files:test', windowMs: 30 * 60_000, intervalMs: 100, clock: 'data' }, { notes: NotesStore.openInMemory(), log: silent, analyze });
  t.after(() => s.stop());
  replay.writeUntil(Date.UTC(2026, 0, 24, 9, 4, 0));
  await s.tick();
  const seen = s.report!.timeline.find((e) => e.inChain)!;
  assert.equal(s.findEntry(seen.id), seen);
  shiftMs = 4000;
  replay.writeUntil(Date.UTC(2026, 0, 24, 9, 4, 30));
  await s.tick();
  const now = s.report!.timeline;
  assert.equal(now.some((e) => e.id === seen.id), false, 'the entry has another id now');
  const found = s.findEntry(seen.id);
  assert.ok(found && now.includes(found), 'found in the current timeline');
  assert.deepEqual([found.lane, found.symptom, found.atMs], [seen.lane, seen.symptom, seen.atMs + 4000]);
  // an id this session never showed is not an entry
  assert.equal(s.findEntry('e000000000000'), undefined);
});

test('a rotated file is read to its end under its name, the new file from its first line, nothing twice', async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'logs'));
  const file = path.join(dir, 'logs', 'etcd-cp-1.log');
  const line = (sec: number, msg: string) => `${JSON.stringify({ level: 'warn', ts: new Date(Date.UTC(2026, 0, 24, 9, 0, sec)).toISOString(), caller: 'x.go:1', msg })}\n`;
  writeFileSync(file, line(1, 'a') + line(2, 'b'));
  const s = session(dir);
  t.after(() => s.stop());
  await s.tick();
  assert.equal(s.status().records, 2);
  appendFileSync(file, line(3, 'c'));
  renameSync(file, `${file}.1`);
  writeFileSync(file, line(4, 'd') + line(5, 'e'));
  await s.tick();
  await s.tick();
  assert.equal(s.status().records, 5, 'a, b, c from the old file, d, e from the new one');
  const src = s.report!.sources.filter((x) => x.sourceId === 'logs/etcd-cp-1.log');
  assert.equal(src.length, 1, 'one report for the name');
  assert.equal(src[0]!.lines, 5);
});

test('Last-Event-ID: a viewer resumes with what it missed; one the log no longer covers gets a snapshot', async (t) => {
  const dir = tempDir(t);
  const replay = new BundleReplay(EXAMPLE, dir, 2026);
  const s = session(dir);
  t.after(() => s.stop());
  replay.writeUntil(Date.UTC(2026, 0, 24, 9, 0));
  await s.tick();
  const first = recorder();
  const unsubscribe = s.subscribe(first);
  const snap = first.seen[0]!;
  assert.equal(snap.type, 'snapshot');
  assert.equal(snap.id, s.lastEventId);
  unsubscribe();
  replay.writeUntil(Date.UTC(2026, 0, 24, 9, 4));
  await s.tick();
  assert.ok(s.lastEventId > snap.id!);

  const back = recorder();
  s.subscribe(back, snap.id);
  assert.ok(back.seen.length > 0);
  assert.ok(back.seen.every((e) => e.type !== 'snapshot'), 'a replay, not a snapshot');
  assert.deepEqual(back.seen.map((e) => e.id), Array.from({ length: s.lastEventId - snap.id! }, (_, i) => snap.id! + 1 + i));

  const lapsed = recorder();
  s.subscribe(lapsed, 12);
  assert.equal(lapsed.seen[0]!.type, 'snapshot', 'an id from another run');
  const data = lapsed.seen[0]!.data as { report: Report; lastEventId: number };
  assert.equal(data.lastEventId, s.lastEventId);
  assert.equal(data.report.verdict, s.report!.verdict);
});

test('notes: stored under the incident, pushed to viewers, shown on the timeline and kept in the postmortem report', async (t) => {
  const dir = tempDir(t);
  const replay = new BundleReplay(EXAMPLE, dir, 2026);
  const notes = NotesStore.openInMemory();
  const s = session(dir, {}, notes);
  t.after(() => s.stop());
  replay.writeUntil(Date.UTC(2026, 0, 24, 9, 4));
  await s.tick();
  const viewer = recorder();
  s.subscribe(viewer);
  const entry = s.report!.timeline.find((e) => e.inChain)!;
  const saved = s.addNote({ atMs: entry.atMs, author: 'alice', text: 'rolled back <script>x</script>', entry: { id: entry.id, lane: entry.lane, title: entry.title } });
  const pushed = viewer.seen.find((e) => e.type === 'note')!;
  assert.deepEqual((pushed.data as { note: unknown }).note, saved);
  assert.deepEqual(notes.list('files:test').map((n) => n.text), ['rolled back <script>x</script>']);
  const pm = s.postmortemReport()!;
  const noteEntry = pm.timeline.find((e) => e.kind === 'note')!;
  assert.equal(noteEntry.lane, 'notes');
  assert.equal(noteEntry.atMs, entry.atMs);
  assert.match(noteEntry.title, /^Note by alice: rolled back <script>x<\/script> \(on: /);
  assert.equal(s.report!.timeline.some((e) => e.kind === 'note'), false, 'the analysis itself has no notes');
  assert.equal(s.deleteNote(saved.id), true);
  assert.equal(s.deleteNote(saved.id), false);
});

test('each tick analyses incrementally: the same report as analysing the window afresh, with earlier records and series looked up, not worked out again', async (t) => {
  const dir = tempDir(t);
  const replay = new BundleReplay(EXAMPLE, dir, 2026);
  const strip = (r: Report) => ({ ...r, stats: { ...r.stats, analyseMs: 0 } });
  let compared = 0;
  const s = new LiveSession('s1', { sourceName: 'input', dir, incident: 'files:test', windowMs: 30 * 60_000, intervalMs: 100, clock: 'data' }, {
    notes: NotesStore.openInMemory(),
    log: silent,
    analyze: (signals, options) => {
      assert.ok(options.cache, 'the session passes its cache');
      const incremental = analyzeSignals(signals, options);
      assert.deepEqual(strip(incremental), strip(analyzeSignals(signals, { ...options, cache: undefined })), `tick ${compared + 1}: incremental and fresh analyses differ`);
      compared++;
      return incremental;
    },
  });
  t.after(() => s.stop());
  for (let data = Date.UTC(2026, 0, 24, 8, 55, 0); data <= Date.UTC(2026, 0, 24, 9, 6, 0); data += 60_000) {
    replay.writeUntil(data);
    await s.tick();
  }
  assert.ok(compared >= 8, `${compared} analyses compared`);
  assert.equal(s.report?.hypotheses[0]?.cause, 'etcd-disk-latency');
  const reuse = s.status().reuse;
  // every tick saw the records of the ticks before it again: they were classified once
  assert.ok(reuse.recordsReused > reuse.recordsClassified, JSON.stringify(reuse));
  assert.ok(reuse.recordsClassified <= replay.written, `${reuse.recordsClassified} records classified, ${replay.written} lines written`);
  assert.ok(reuse.seriesReused > 0, JSON.stringify(reuse));
  // the files' series are merged again as they grow; linked to the last ones, they are updated
  assert.ok(reuse.seriesUpdated > reuse.seriesRead, JSON.stringify(reuse));
});
