/** Shared by the server, CLI and e2e tests: the sample Report fixture and an app with a fake runner. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { reportSchema, type Report } from '../../correlators/report/index.js';
import { buildApp, type AppDeps } from '../../server/app.js';
import { PACKAGE_ROOT, PUBLIC_DIR, TEMPLATES_DIR } from '../../server/config.js';
import type { AnalysisRunner, RunAnalysisOptions } from '../../server/pipeline.js';
import { loadTemplates } from '../../server/render/index.js';
import { AnalysisStore } from '../../server/routes/analysis-store.js';

export const FIXTURES_DIR = path.join(PACKAGE_ROOT, 'test', 'fixtures');
export const SAMPLE_WINDOW = { from: '2026-01-24T08:51:50Z', to: '2026-01-24T09:21:50Z' };

/** The hand-made sample Report (test/fixtures/report/sample-report.json), checked against the schema. */
export function readSampleReport(): Report {
  return reportSchema.parse(JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'report', 'sample-report.json'), 'utf8')));
}

/** A runner that records its calls and answers with `report` (or fails with `fail`). */
export function fakeRunner(report: Report = readSampleReport(), fail?: Error): AnalysisRunner & { calls: RunAnalysisOptions[] } {
  const calls: RunAnalysisOptions[] = [];
  const runner = async (options: RunAnalysisOptions) => {
    calls.push(options);
    if (fail) throw fail;
    return structuredClone(report);
  };
  return Object.assign(runner, { calls });
}

export interface TestApp {
  app: FastifyInstance;
  store: AnalysisStore;
}

/** The app as the server builds it, with a fake runner and the bundled templates; no port. */
export async function buildTestApp(overrides: Partial<AppDeps> = {}): Promise<TestApp> {
  const store = overrides.store ?? new AnalysisStore();
  const app = await buildApp({
    runAnalysis: fakeRunner(),
    sources: { example: path.join(PACKAGE_ROOT, 'examples', 'etcd-disk-latency') },
    defaultSource: 'example',
    sourceWindows: { example: SAMPLE_WINDOW },
    defaultAnalysis: { source: 'example', window: SAMPLE_WINDOW },
    templates: loadTemplates({ baseDir: TEMPLATES_DIR }),
    publicDir: PUBLIC_DIR,
    logger: false,
    ...overrides,
    store,
  });
  return { app, store };
}

/** Whether the real analysis exists yet (the stub throws "not implemented"). */
export async function analysisImplemented(): Promise<boolean> {
  const { analyzeSignals } = await import('../../correlators/report/index.js');
  try {
    analyzeSignals({ window: { fromMs: 0, toMs: 60_000 }, logs: [], series: [], audit: [], sources: [] }, { nowMs: 0, ingestMs: 0 });
    return true;
  } catch (err) {
    return !/not implemented/i.test(err instanceof Error ? err.message : String(err));
  }
}
