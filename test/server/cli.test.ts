import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { reportSchema } from '../../correlators/report/index.js';
import { EXAMPLE_DIR, PACKAGE_ROOT } from '../../server/config.js';
import { runCli, summarizeReport } from '../../server/cli.js';
import { analysisImplemented, fakeRunner, readSampleReport } from './helpers.js';

const CLI = path.join(PACKAGE_ROOT, 'dist', 'server', 'cli.js');
const implemented = await analysisImplemented();

function rootline(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: tmpdir(), timeout: 60_000 });
}

test('bad flags: exit 2, one line on stderr saying what to fix, nothing on stdout', async (t) => {
  const rows: { name: string; args: string[]; message: string }[] = [
    { name: 'no input, bad time', args: ['analyze', '--from', 'yesterday'], message: 'rootline: invalid arguments to analyze: --input: missing, expecting a bundle folder (or --source NAME); --from: Invalid time, expecting ISO-8601 such as 2026-01-24T08:51:50Z (got "yesterday") (see rootline --help)' },
    { name: 'unknown option', args: ['analyze', '--bogus', 'x'], message: 'rootline: unknown option --bogus (see rootline --help)' },
    { name: 'option without value', args: ['analyze', '--input'], message: 'rootline: option --input needs a value (see rootline --help)' },
    { name: 'unknown format', args: ['analyze', '--input', EXAMPLE_DIR, '--format', 'pdf'], message: 'rootline: invalid arguments to analyze: --format: Invalid format, expecting one of json, md, html (got "pdf") (see rootline --help)' },
    { name: 'reversed window', args: ['analyze', '--input', EXAMPLE_DIR, '--from', '2026-01-24T09:00:00Z', '--to', '2026-01-24T08:00:00Z'], message: 'rootline: invalid arguments: --to must be after --from (got --from 2026-01-24T09:00:00Z --to 2026-01-24T08:00:00Z) (see rootline --help)' },
    { name: 'half a window', args: ['analyze', '--input', EXAMPLE_DIR, '--from', '2026-01-24T09:00:00Z'], message: `rootline: invalid arguments: give both --from and --to, or neither (then ${path.join(EXAMPLE_DIR, 'rootline.json')} gives the window) (see rootline --help)` },
    { name: 'missing folder', args: ['analyze', '--input', '/nonexistent/bundle'], message: 'rootline: invalid arguments: --input /nonexistent/bundle: no such folder (see rootline --help)' },
    { name: 'no window anywhere', args: ['analyze', '--input', tmpdir()], message: `rootline: invalid arguments: --from and --to are missing and ${path.join(tmpdir(), 'rootline.json')} gives no window (see rootline --help)` },
    { name: 'bad zone', args: ['analyze', '--input', EXAMPLE_DIR, '--tz', 'Mars/Base'], message: 'rootline: invalid arguments to analyze: --tz: Invalid zone, expecting an IANA name such as Europe/Berlin or UTC+02:00 (got "Mars/Base") (see rootline --help)' },
    { name: 'serve flag on analyze', args: ['analyze', '--input', EXAMPLE_DIR, '--port', '1'], message: 'rootline: invalid arguments to analyze: --port: not an option of analyze (see rootline --help)' },
    { name: 'bad port', args: ['serve', '--port', 'eighty'], message: 'rootline: invalid arguments to serve: --port: Invalid port, expecting 0-65535 (got "eighty") (see rootline --help)' },
    { name: 'unknown command', args: ['analyse'], message: 'rootline: unknown command "analyse", expecting analyze or serve (see rootline --help)' },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      const r = rootline(...row.args);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `${row.message}\n`);
    });
  }
  await t.test('no command prints usage, exit 2', () => {
    const r = rootline();
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^Usage:\n {2}rootline analyze --input DIR/);
  });
  await t.test('--help prints usage on stdout, exit 0', () => {
    const r = rootline('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /rootline serve/);
  });
});

test(
  'rootline analyze --format json on the example prints one Report on stdout',
  { todo: implemented ? false : 'analyzeSignals still throws "not implemented"; passes once correlators/report/analyze.ts lands' },
  () => {
    const r = rootline('analyze', '--input', EXAMPLE_DIR, '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, 'exactly one JSON object, nothing else on stdout');
    const report = reportSchema.parse(JSON.parse(lines[0]!));
    assert.deepEqual(report.window, { from: '2026-01-24T08:51:50Z', to: '2026-01-24T09:21:50Z' });
    // the summary line, and no progress escape codes since stderr is not a terminal
    assert.match(r.stderr, /^rootline: \d+ files, [\d,]+ lines read in .*; verdict /m);
    assert.doesNotMatch(r.stderr, /\r|\x1b\[/);
  },
);

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

test('in-process: --format json writes exactly the Report; the summary goes to stderr', async () => {
  const out = capture();
  const err = capture();
  const runner = fakeRunner();
  const code = await runCli(['analyze', '--input', EXAMPLE_DIR, '--tz', 'UTC+01:00'], { stdout: out.stream, stderr: err.stream, stderrIsTTY: false }, { runAnalysis: runner });
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out.text()), readSampleReport());
  assert.equal(out.text().split('\n').length, 2);
  assert.equal(runner.calls[0]!.tz, 'UTC+01:00');
  assert.equal(runner.calls[0]!.onProgress, undefined, 'no progress when stderr is not a TTY');
  assert.equal(
    err.text(),
    'rootline: 20 files, 44,405 lines read in 840 ms; 2 bad lines (logs/kubelet-worker-1.log:17 no timestamp); degraded: logs/kubelet-worker-1.log degraded; verdict incident: etcd-disk-latency (91 %)\n',
  );
});

test('in-process: progress is drawn on a TTY and cleared before the summary', async () => {
  const err = capture();
  const runner = async (o: Parameters<ReturnType<typeof fakeRunner>>[0]) => {
    o.onProgress?.({ stage: 'ingest', elapsedMs: 1000, sourceId: 'a', filesDone: 3, filesTotal: 20, bytesDone: 2_500_000, bytesTotal: 5_000_000, lines: 12_000, badLines: 1 });
    return readSampleReport();
  };
  const code = await runCli(['analyze', '--input', EXAMPLE_DIR], { stdout: capture().stream, stderr: err.stream, stderrIsTTY: true }, { runAnalysis: runner });
  assert.equal(code, 0);
  assert.ok(err.text().startsWith('\r\x1b[Krootline: reading 3/20 files · 12,000 lines · 2.5 MB/s · 1 bad lines\r\x1b[Krootline: 20 files'), JSON.stringify(err.text()));
});

test('in-process: --format md --out FILE writes the postmortem, stdout stays empty', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'pm.md');
  const out = capture();
  const err = capture();
  const code = await runCli(['analyze', '--input', EXAMPLE_DIR, '--format', 'md', '--out', file], { stdout: out.stream, stderr: err.stream, stderrIsTTY: false }, { runAnalysis: fakeRunner() });
  assert.equal(code, 0);
  assert.equal(out.text(), '');
  assert.match(readFileSync(file, 'utf8'), /^# Postmortem: etcd disk latency on cp-2/);
  assert.match(err.text(), new RegExp(`rootline: wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n$`));
});

test('in-process: a failing analysis exits 1 with its message', async () => {
  const err = capture();
  const code = await runCli(['analyze', '--input', EXAMPLE_DIR], { stdout: capture().stream, stderr: err.stream, stderrIsTTY: false }, { runAnalysis: fakeRunner(readSampleReport(), new Error('The analysis of x failed: boom')) });
  assert.equal(code, 1);
  assert.equal(err.text(), 'rootline: The analysis of x failed: boom\n');
});

test('summarizeReport stays on one line', () => {
  const r = readSampleReport();
  r.sources[0]!.badSamples = [{ file: 'a.log', line: 1, reason: 'bad\nline', excerpt: '' }];
  assert.doesNotMatch(summarizeReport(r), /\n/);
});

test('rootline serve --port 0 serves the bundled example from any cwd and prints the URL', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGTERM'));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${out}`)), 20_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^rootline war room: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  const health = await fetch(`${url}healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', analyses: 1 });
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /rootline war room/);
});

test('analyze --source NAME --config FILE: a Prometheus + Elasticsearch pair by name, never a URL on the command line', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-cli-sources-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sources.json');
  writeFileSync(file, JSON.stringify({ sources: { prod: { prometheus: { url: 'http://127.0.0.1:1' }, elasticsearch: { url: 'http://127.0.0.1:1', audit: { index: 'audit' } } } } }));
  const runner = fakeRunner();
  const err = capture();
  const win = ['--from', '2026-01-24T08:51:50Z', '--to', '2026-01-24T09:21:50Z'];
  const code = await runCli(['analyze', '--source', 'prod', '--config', file, ...win], { stdout: capture().stream, stderr: err.stream, stderrIsTTY: false }, { runAnalysis: runner });
  assert.equal(code, 0, err.text());
  assert.equal(runner.calls[0]!.input, 'prometheus+elasticsearch:prod');
  assert.deepEqual(runner.calls[0]!.sources?.map((s) => s.name), ['prometheus', 'elasticsearch']);
  const rows: [string[], string][] = [
    [['analyze', '--source', 'prod', '--config', file], 'rootline: invalid arguments: --source prod reads Prometheus and Elasticsearch, which have no stored window: give --from and --to (see rootline --help)'],
    [['analyze', '--source', 'prod', '--input', EXAMPLE_DIR, '--config', file, ...win], 'rootline: invalid arguments to analyze: --input and --source exclude each other, give one (see rootline --help)'],
    [['analyze', '--source', 'dev', '--config', file, ...win], 'rootline: Invalid configuration: --source: unknown source "dev", expecting one of example, prod (see rootline --help)'],
  ];
  for (const [args, message] of rows) {
    const e = capture();
    assert.equal(await runCli(args, { stdout: capture().stream, stderr: e.stream, stderrIsTTY: false }, { runAnalysis: runner }), 2, args.join(' '));
    assert.equal(e.text(), `${message}\n`);
  }
});
