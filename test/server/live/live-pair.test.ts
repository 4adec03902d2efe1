// Live mode over a configured Prometheus + Elasticsearch pair (`serve --live --source NAME`,
// `POST /api/live` with source.kind "prometheus+elasticsearch"): with or without a bundle followed
// beside it, polled incrementally, and the combinations that cannot work refused with what to fix.
// The routes are driven with in-process sources (what they are asked is what is checked); the CLI
// runs the real server against a pair whose servers are unreachable, which the report must name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AnalysisWindow, SignalSet } from '../../../correlators/signals/index.js';
import { EXAMPLE_DIR, PACKAGE_ROOT, TEMPLATES_DIR } from '../../../server/config.js';
import { LIVE_PUBLIC_DIR, LiveHub, loadLivePage, type LiveDeps } from '../../../server/live/index.js';
import type { SignalSource } from '../../../server/sources/types.js';
import { NotesStore } from '../../../server/store/index.js';
import { buildTestApp } from '../helpers.js';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'server', 'cli.js');
const PAIR = 'prometheus+elasticsearch';

/** A server answering with one etcd fsync point per 15 s of what it is asked, recording the ranges. */
function recordingServer(name: string, asked: AnalysisWindow[]): SignalSource {
  return {
    name,
    async fetch(w): Promise<SignalSet> {
      asked.push(w);
      const t: number[] = [];
      for (let s = Math.ceil(w.fromMs / 15_000) * 15_000; s < w.toMs; s += 15_000) t.push(s);
      return {
        window: w,
        logs: [],
        series: [{ sourceId: name, metric: 'etcd_wal_fsync_p99_s', component: 'etcd', host: 'cp-1', labels: {}, origin: 'q', t, v: t.map(() => 0.004) }],
        audit: [],
        sources: [{ sourceId: name, format: 'prometheus', status: 'ok', lines: 0, records: t.length, badLines: 0, badSamples: [], bytes: 0 }],
      };
    },
  };
}

async function pairApp(t: { after: (fn: () => Promise<void>) => void }, servers: Record<string, () => readonly SignalSource[]>, wallMs?: () => number): Promise<FastifyInstance> {
  const hub = new LiveHub({ openNotes: () => NotesStore.openInMemory(), defaults: { windowMs: 30 * 60_000, intervalMs: 100, clock: 'data', pollIntervalMs: 1000 }, ...(wallMs ? { wallMs } : {}) });
  const live: LiveDeps = { hub, page: loadLivePage(TEMPLATES_DIR), publicDir: LIVE_PUBLIC_DIR };
  const { app } = await buildTestApp({ defaultAnalysis: undefined, live, serverSources: servers });
  t.after(() => app.close());
  return app;
}

const start = (app: FastifyInstance, payload: object) => app.inject({ method: 'POST', url: '/api/live', payload });

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  // generous: a loaded 2-core machine
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('POST /api/live follows a Prometheus + Elasticsearch pair: wall clock, polled incrementally, joined by a second request', async (t) => {
  const asked: AnalysisWindow[] = [];
  let built = 0;
  // the wall clock advances 20 s per reading: every tick is past the 1 s poll interval
  let wall = Date.UTC(2026, 0, 24, 9, 0);
  const app = await pairApp(t, { prod: () => (built++, [recordingServer('prometheus', asked)]) }, () => (wall += 20_000));
  const a = await start(app, { source: { kind: PAIR, name: 'prod' } });
  assert.equal(a.statusCode, 201, a.body);
  const session = a.json();
  assert.equal(session.source, 'prod');
  assert.equal(session.kind, PAIR);
  assert.equal(session.followsFiles, false);
  assert.equal(session.clock, 'wall', 'no files, no data clock: the server clock');
  assert.equal(session.incident, `${PAIR}:prod`);
  const b = await start(app, { source: { kind: PAIR } });
  assert.equal(b.statusCode, 200, 'the only pair, same settings: the same session');
  assert.equal(b.json().id, session.id);
  assert.equal(built, 1, 'sources are built once, for the session that polls them');

  await until('three polls', async () => (asked.length >= 3 ? true : undefined));
  const report = await until('a report', async () => {
    const r = (await app.inject(`/api/live/${session.id}`)).json();
    return r.report ?? undefined;
  });
  assert.ok(report.sources.some((s: { sourceId: string; status: string }) => s.sourceId === 'prometheus' && s.status === 'ok'), JSON.stringify(report.sources));
  // the first poll asks for the window and its context, each later one only from the last end (less the overlap)
  assert.equal(asked[0]!.toMs - asked[0]!.fromMs, 40 * 60_000);
  for (let i = 1; i < asked.length; i++) {
    assert.equal(asked[i]!.fromMs, asked[i - 1]!.toMs - 2 * 60_000, `poll ${i} starts where the last ended, less the 2 min overlap`);
    assert.ok(asked[i]!.toMs > asked[i - 1]!.toMs, `poll ${i} ends later`);
  }
});

test('POST /api/live: a pair with a bundle followed beside it keeps the data clock of the files', async (t) => {
  const asked: AnalysisWindow[] = [];
  const app = await pairApp(t, { prod: () => [recordingServer('prometheus', asked)] });
  const r = await start(app, { source: { kind: PAIR, name: 'prod', files: 'example' } });
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().followsFiles, true);
  assert.equal(r.json().clock, 'data');
  const id = r.json().id as string;
  const status = await until('files read and a poll', async () => {
    const s = (await app.inject(`/api/live/${id}`)).json();
    return s.status.files > 0 && asked.length > 0 && s.report ? s : undefined;
  });
  // the example's data ends at 09:21:50 on 2026-01-24: the poll follows the data clock, not the wall's
  assert.ok(Math.abs(asked[0]!.toMs - Date.UTC(2026, 0, 24, 9, 21, 50)) < 5 * 60_000, new Date(asked[0]!.toMs).toISOString());
  assert.ok(status.report.sources.some((s: { sourceId: string }) => s.sourceId === 'prometheus'));
  assert.ok(status.report.sources.some((s: { sourceId: string }) => s.sourceId === 'audit/audit.log'));
  // the files alone are another session
  const files = await start(app, { source: { kind: 'files', name: 'example' } });
  assert.equal(files.statusCode, 201);
  assert.notEqual(files.json().id, id);
});

test('POST /api/live: combinations that cannot work are a 400 saying what to fix', async (t) => {
  const app = await pairApp(t, { prod: () => [], dev: () => [] });
  const rows: [object, string][] = [
    [{ source: { kind: PAIR } }, 'Missing source.name, expecting one of: prod, dev'],
    [{ source: { kind: PAIR, name: 'nope' } }, 'Invalid source.name "nope", expecting one of: prod, dev'],
    [{ source: { kind: PAIR, name: 'example' } }, `Invalid source.name "example" for source.kind "${PAIR}": it is a bundle folder, expecting source.kind "files" (or its name as source.files beside a ${PAIR} source)`],
    [{ source: { kind: 'files', name: 'prod' } }, `Invalid source.name "prod": it is a ${PAIR} source, expecting source.kind "${PAIR}" and source.name "prod"`],
    [{ source: { kind: PAIR, name: 'prod', files: 'dev' } }, `Invalid source.files "dev": it is a ${PAIR} source, expecting source.kind "${PAIR}" and source.name "dev"`],
    [{ source: { kind: PAIR, name: 'prod', files: 'nope' } }, 'Invalid source.files "nope", expecting one of: example'],
    [{ source: { kind: PAIR, name: 'prod' }, clock: 'data' }, `Invalid clock "data" for ${PAIR} source "prod" without a bundle: the data clock is the newest line of the bundle's files, expecting clock "wall" (or a bundle to follow as well)`],
    [{ source: { kind: 'files', files: 'example' } }, 'Invalid request: body.source: Unrecognized key: "files"'],
    [{ source: { kind: 'prometheus' } }, `Invalid request: body.source.kind: Invalid source.kind, expecting "files" or "${PAIR}"`],
  ];
  for (const [body, message] of rows) {
    const r = await start(app, body);
    assert.equal(r.statusCode, 400, JSON.stringify(body));
    assert.equal(r.json().message, message, JSON.stringify(body));
  }
  assert.deepEqual((await app.inject('/api/live')).json().sessions, [], 'nothing started');

  const none = await pairApp(t, {});
  const r = await start(none, { source: { kind: PAIR, name: 'prod' } });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().message, /^Invalid source.kind "prometheus\+elasticsearch": no such source is configured \(the server reads them from --config FILE or ROOTLINE_CONFIG\)/);
});

function sourcesFile(t: { after: (fn: () => void) => void }): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-live-pair-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sources.json');
  // nothing listens on port 1: every poll fails fast
  const down = { url: 'http://127.0.0.1:1', retries: 0, timeout: '2s' };
  writeFileSync(file, JSON.stringify({ sources: { prod: { prometheus: down, elasticsearch: { ...down, audit: { index: 'audit' } } } } }));
  return { dir, file };
}

test('rootline serve --live --source NAME: wrong combinations exit 2 saying what to fix', (t) => {
  const { dir, file } = sourcesFile(t);
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000, env: { ...process.env, ROOTLINE_DATA_DIR: path.join(dir, 'data') } });
  const rows: [string[], string][] = [
    [['serve', '--live', '--source', 'prod', '--config', file, '--clock', 'data', '--port', '0'], "rootline: invalid arguments to serve: --clock data needs a bundle's files (the newest line read) and --source prod polls only Prometheus and Elasticsearch: use --clock wall (the default here), or add --input DIR (see rootline --help)"],
    [['serve', '--live', '--source', 'example', '--input', EXAMPLE_DIR, '--port', '0'], 'rootline: invalid arguments to serve: --source example is a bundle folder and --input another: with --live, give one of them, or --source a Prometheus + Elasticsearch pair of the sources file (--config) to poll beside --input (see rootline --help)'],
    [['serve', '--live', '--source', 'nope', '--config', file, '--port', '0'], 'rootline: Invalid configuration: --source: unknown source "nope", expecting one of example, prod (see rootline --help)'],
  ];
  for (const [args, message] of rows) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${message}\n`);
  }
});

/** Starts the CLI, returns the printed live URL; the process is killed when the test ends. */
async function serveLive(t: { after: (fn: () => void) => void }, cwd: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'serve', '--live', '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROOTLINE_DATA_DIR: path.join(cwd, 'data'), ROOTLINE_LOG_LEVEL: 'silent' } });
  t.after(() => child.kill('SIGTERM'));
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${out} stderr: ${err}`)), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^rootline war room \(live\): (http:\/\/127\.0\.0\.1:\d+\/live\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

test('rootline serve --live --source NAME polls the pair (alone, or beside --input), and names a server it cannot reach', async (t) => {
  const { dir, file } = sourcesFile(t);
  for (const withInput of [false, true]) {
    await t.test(withInput ? 'with --input' : 'alone', async (t2) => {
      const url = await serveLive(t2, dir, ['--source', 'prod', '--config', file, '--poll-interval', '1s', '--interval', '500ms', ...(withInput ? ['--input', EXAMPLE_DIR] : [])]);
      const api = url.replace('/live/', '/api/live/');
      const session = await until('a report naming both servers', async () => {
        const s = (await (await fetch(api)).json()) as { report: { sources: { sourceId: string; status: string; message?: string }[] } | null };
        const ids = s.report?.sources.map((x) => x.sourceId) ?? [];
        return ids.includes('prometheus') && ids.some((i) => i.startsWith('elasticsearch')) ? s : undefined;
      });
      const resource = session as unknown as { kind: string; followsFiles: boolean; clock: string; source: string };
      assert.equal(resource.kind, PAIR);
      assert.equal(resource.source, 'prod');
      assert.equal(resource.followsFiles, withInput);
      assert.equal(resource.clock, withInput ? 'data' : 'wall');
      const prom = session.report!.sources.find((x) => x.sourceId === 'prometheus')!;
      assert.equal(prom.status, 'failed');
      assert.match(prom.message ?? '', /cannot reach the server|ECONNREFUSED|poll failed/);
      if (withInput) assert.ok(session.report!.sources.some((x) => x.sourceId === 'audit/audit.log' && x.status === 'ok'), 'the files are read all the same');
    });
  }
});
