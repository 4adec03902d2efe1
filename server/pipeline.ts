/**
 * The glue of one analysis: read the bundle -> analyse the signals -> Report. The CLI and the
 * server both run analyses through here; the clock is read here, never in correlators/.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InputError, SourceUnavailableError } from '../correlators/errors.js';
import { analyzeSignals } from '../correlators/report/index.js';
import type { Report } from '../correlators/report/index.js';
import type { AnalysisWindow, SignalSet } from '../correlators/signals/index.js';
import { readBundle } from './sources/files/index.js';
import { fetchAll } from './sources/combine.js';
import type { FetchOptions, IngestProgress, SignalSource } from './sources/types.js';
import { windowInputSchema } from './config.js';

export type PipelineProgress =
  | ({ stage: 'ingest'; elapsedMs: number } & IngestProgress)
  | { stage: 'analyse'; elapsedMs: number; files: number; lines: number; badLines: number; bytes: number };

export interface RunAnalysisOptions {
  /** The bundle folder; with `sources`, only their name in messages (`prometheus+elasticsearch:prod`). */
  input: string;
  /** Server-backed sources (Prometheus, Elasticsearch) to fetch instead of reading `input`. */
  sources?: readonly SignalSource[] | undefined;
  window: AnalysisWindow;
  /** Zone for timestamps written without one. */
  tz?: string | undefined;
  onProgress?: ((p: PipelineProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** The seams of the pipeline, replaced in tests. */
export interface PipelineDeps {
  readBundle: (dir: string, window: AnalysisWindow, options: FetchOptions) => Promise<SignalSet>;
  analyzeSignals: typeof analyzeSignals;
  nowMs: () => number;
  /** Several sources into one SignalSet; default `fetchAll`. */
  fetchAll?: typeof fetchAll;
}

export const defaultPipelineDeps: PipelineDeps = { readBundle, analyzeSignals, nowMs: () => Date.now(), fetchAll };

export type AnalysisRunner = (options: RunAnalysisOptions) => Promise<Report>;

/**
 * Reads `input` (or fetches `sources`) for `window` and analyses it; an analysis failure says which
 * bundle and why. A server source that fails does not fail the analysis: the Report says so.
 */
export async function runAnalysis(options: RunAnalysisOptions, deps: PipelineDeps = defaultPipelineDeps): Promise<Report> {
  if (!options.sources) await assertDirectory(options.input);
  const startedMs = deps.nowMs();
  const fetchOptions: FetchOptions = {};
  if (options.tz !== undefined) fetchOptions.tz = options.tz;
  if (options.signal !== undefined) fetchOptions.signal = options.signal;
  const onProgress = options.onProgress;
  if (onProgress) fetchOptions.onProgress = (p) => onProgress({ stage: 'ingest', elapsedMs: deps.nowMs() - startedMs, ...p });

  const signals = options.sources ? await (deps.fetchAll ?? fetchAll)(options.sources, options.window, fetchOptions) : await deps.readBundle(options.input, options.window, fetchOptions);
  const ingestMs = deps.nowMs() - startedMs;
  onProgress?.({
    stage: 'analyse',
    elapsedMs: ingestMs,
    files: signals.sources.length,
    lines: sum(signals.sources.map((s) => s.lines)),
    badLines: sum(signals.sources.map((s) => s.badLines)),
    bytes: sum(signals.sources.map((s) => s.bytes)),
  });
  try {
    return deps.analyzeSignals(signals, { nowMs: deps.nowMs(), ingestMs, elapsedMs: deps.nowMs });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`The analysis of ${options.input} failed: ${message}`, { cause: err });
  }
}

async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: unknown) => {
    throw new SourceUnavailableError(dir, 'cannot read the input folder', { cause: err });
  });
  if (!info.isDirectory()) throw new InputError(`Invalid input ${dir}, expecting a folder (an incident bundle)`);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export const bundleManifestSchema = z.object({
  title: z.string().optional(),
  window: windowInputSchema.optional(),
});
export type BundleManifest = z.infer<typeof bundleManifestSchema>;

/**
 * Reads `rootline.json` beside a bundle's data ({title, window:{from,to}}). Undefined when there
 * is none; an unreadable or invalid manifest is an InputError naming the file and the field.
 */
export async function readBundleManifest(dir: string): Promise<BundleManifest | undefined> {
  const file = path.join(dir, 'rootline.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new InputError(`Cannot read ${file}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`Invalid ${file}, expecting JSON {"title", "window": {"from", "to"}}`, { cause: err });
  }
  const parsed = bundleManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new InputError(`Invalid ${file}: ${issues}`);
  }
  return parsed.data;
}
