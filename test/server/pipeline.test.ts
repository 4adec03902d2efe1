import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SignalSet } from '../../correlators/signals/index.js';
import { EXAMPLE_DIR } from '../../server/config.js';
import { readBundleManifest, runAnalysis, type PipelineDeps, type PipelineProgress } from '../../server/pipeline.js';
import { readSampleReport } from './helpers.js';

const window = { fromMs: Date.UTC(2026, 0, 24, 8, 51, 50), toMs: Date.UTC(2026, 0, 24, 9, 21, 50) };
const signals = (): SignalSet => ({
  window,
  logs: [],
  series: [],
  audit: [],
  sources: [{ sourceId: 'logs/a.log', format: 'klog', status: 'ok', lines: 10, records: 9, badLines: 1, badSamples: [], bytes: 1000 }],
});

function fakeDeps(overrides: Partial<PipelineDeps> = {}): PipelineDeps & { analyzed: { nowMs: number; ingestMs?: number; timesAnalysis: boolean }[] } {
  let clock = 1_000;
  const analyzed: { nowMs: number; ingestMs?: number; timesAnalysis: boolean }[] = [];
  return {
    analyzed,
    nowMs: () => (clock += 250),
    readBundle: async (_dir, _w, options) => {
      options.onProgress?.({ sourceId: 'logs/a.log', filesDone: 1, filesTotal: 1, bytesDone: 1000, bytesTotal: 1000, lines: 10, badLines: 1 });
      return signals();
    },
    analyzeSignals: (_s, options) => {
      // the analysis times itself with the pipeline's clock (stats.analyseMs)
      analyzed.push({ nowMs: options.nowMs, ...(options.ingestMs !== undefined ? { ingestMs: options.ingestMs } : {}), timesAnalysis: options.elapsedMs !== undefined });
      return readSampleReport();
    },
    ...overrides,
  };
}

test('runAnalysis reads, then analyses with the clock and the measured ingest time', async () => {
  const deps = fakeDeps();
  const progress: PipelineProgress[] = [];
  const report = await runAnalysis({ input: EXAMPLE_DIR, window, onProgress: (p) => progress.push(p) }, deps);
  assert.equal(report.title, 'etcd disk latency on cp-2');
  // clock: start 1250, progress 1500, after reading 1750 (ingest 500), analysis 2000
  assert.deepEqual(deps.analyzed, [{ nowMs: 2000, ingestMs: 500, timesAnalysis: true }]);
  assert.deepEqual(progress.map((p) => p.stage), ['ingest', 'analyse']);
  assert.deepEqual(progress[1], { stage: 'analyse', elapsedMs: 500, files: 1, lines: 10, badLines: 1, bytes: 1000 });
});

test('an analysis that throws propagates with a clear message and its cause', async () => {
  const deps = fakeDeps({
    analyzeSignals: () => {
      throw new Error('not implemented yet');
    },
  });
  await assert.rejects(runAnalysis({ input: EXAMPLE_DIR, window }, deps), (err: Error) => {
    assert.equal(err.message, `The analysis of ${EXAMPLE_DIR} failed: not implemented yet`);
    assert.equal((err.cause as Error).message, 'not implemented yet');
    return true;
  });
});

test('a missing input folder is SourceUnavailableError; a file is InputError', async () => {
  await assert.rejects(runAnalysis({ input: '/nonexistent/bundle', window }, fakeDeps()), { code: 'RL_ERR_SOURCE_UNAVAILABLE' });
  await assert.rejects(runAnalysis({ input: path.join(EXAMPLE_DIR, 'rootline.json'), window }, fakeDeps()), { code: 'RL_ERR_INPUT_INVALID' });
});

test('readBundleManifest: the example, none, and invalid ones', async (t) => {
  assert.deepEqual(await readBundleManifest(EXAMPLE_DIR), {
    title: 'etcd disk latency: an fio job co-located with etcd on cp-2',
    window: { from: '2026-01-24T08:51:50Z', to: '2026-01-24T09:21:50Z' },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(await readBundleManifest(dir), undefined);
  writeFileSync(path.join(dir, 'rootline.json'), '{"window": {"from": "soon", "to": "2026-01-24T09:21:50Z"}}');
  await assert.rejects(readBundleManifest(dir), (err: Error & { code?: string }) => err.code === 'RL_ERR_INPUT_INVALID' && /window\.from: Invalid time/.test(err.message));
  writeFileSync(path.join(dir, 'rootline.json'), '{not json');
  await assert.rejects(readBundleManifest(dir), /expecting JSON/);
});

test('runAnalysis with server sources fetches them all (no folder to check) and names them on failure', async () => {
  const fetched: string[][] = [];
  const deps = fakeDeps({
    fetchAll: async (sources, w) => {
      fetched.push(sources.map((s) => s.name));
      return { ...signals(), window: w };
    },
    readBundle: async () => assert.fail('no bundle is read'),
  });
  const fake = (name: string) => ({ name, fetch: async () => signals() });
  await runAnalysis({ input: 'prometheus+elasticsearch:prod', sources: [fake('prometheus'), fake('elasticsearch')], window }, deps);
  assert.deepEqual(fetched, [['prometheus', 'elasticsearch']]);
  await assert.rejects(
    runAnalysis({ input: 'prometheus+elasticsearch:prod', sources: [], window }, { ...deps, analyzeSignals: () => { throw new Error('boom'); } }),
    /^Error: The analysis of prometheus\+elasticsearch:prod failed: boom$/,
  );
});
