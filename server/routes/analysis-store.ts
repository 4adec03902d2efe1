/**
 * Analyses in memory: a Map in insertion order, capped (oldest evicted first; the analysis shown
 * at `/` is pinned). Each analysis runs in the background through the injected runner.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Report } from '../../correlators/report/index.js';
import { toAnalysisWindow, type WindowInput } from '../config.js';
import { buildHttpError } from '../http-errors.js';
import type { AnalysisRunner, PipelineProgress } from '../pipeline.js';
import type { SignalSource } from '../sources/types.js';

export type AnalysisStatus = 'running' | 'done' | 'failed';

export interface AnalysisRecord {
  readonly id: string;
  readonly sourceName: string;
  readonly window: WindowInput;
  readonly createdAtMs: number;
  status: AnalysisStatus;
  finishedAtMs: number | null;
  progress: PipelineProgress | null;
  report: Report | null;
  /** The error as thrown (for the log and for re-throwing); `publicError` is what clients see. */
  error: unknown;
  publicError: { code: string; message: string } | null;
  /** Settles (never rejects) when the analysis ends. */
  readonly done: Promise<void>;
}

export interface StartAnalysisOptions {
  sourceName: string;
  /** The bundle folder, or for server sources their name in messages. */
  dir: string;
  /** Server-backed sources to fetch instead of reading `dir`. */
  sources?: readonly SignalSource[] | undefined;
  window: WindowInput;
  tz?: string | undefined;
  runner: AnalysisRunner;
  log: FastifyBaseLogger;
  /** Never evicted: the analysis the war room shows at `/`. */
  pinned?: boolean;
}

export const DEFAULT_MAX_ANALYSES = 50;

export class AnalysisStore {
  readonly #records = new Map<string, AnalysisRecord>();
  readonly #pinned = new Set<string>();
  #defaultId: string | undefined;

  constructor(readonly maxAnalyses = DEFAULT_MAX_ANALYSES, private readonly nowMs: () => number = () => Date.now()) {}

  get size(): number {
    return this.#records.size;
  }

  get(id: string): AnalysisRecord | undefined {
    return this.#records.get(id);
  }

  /** The analysis shown at `/`, if one was started. */
  getDefault(): AnalysisRecord | undefined {
    return this.#defaultId === undefined ? undefined : this.#records.get(this.#defaultId);
  }

  /** Starts an analysis in the background and returns its record at once. */
  start(options: StartAnalysisOptions): AnalysisRecord {
    const id = randomUUID();
    let settle: () => void = () => undefined;
    const record: AnalysisRecord = {
      id,
      sourceName: options.sourceName,
      window: options.window,
      createdAtMs: this.nowMs(),
      status: 'running',
      finishedAtMs: null,
      progress: null,
      report: null,
      error: null,
      publicError: null,
      done: new Promise<void>((resolve) => {
        settle = resolve;
      }),
    };
    this.#records.set(id, record);
    if (options.pinned) {
      this.#pinned.add(id);
      this.#defaultId = id;
    }
    this.#evict();
    const log = options.log.child({ analysisId: id, source: options.sourceName });
    options
      .runner({
        input: options.dir,
        ...(options.sources ? { sources: options.sources } : {}),
        window: toAnalysisWindow(options.window),
        tz: options.tz,
        onProgress: (p) => {
          record.progress = p;
        },
      })
      .then(
        (report) => {
          record.report = report;
          record.status = 'done';
          log.info({ verdict: report.verdict, ms: this.nowMs() - record.createdAtMs }, 'analysis done');
        },
        (err: unknown) => {
          record.error = err;
          record.status = 'failed';
          // The analysis id is the log id: a failed analysis is a 5xx-like event unless the input was wrong.
          const { statusCode, code, message } = buildHttpError(err, id);
          record.publicError = { code, message };
          if (statusCode >= 500) log.error({ err }, 'analysis failed');
          else log.info({ code }, 'analysis rejected');
        },
      )
      .finally(() => {
        record.finishedAtMs = this.nowMs();
        settle();
      });
    return record;
  }

  #evict(): void {
    for (const id of this.#records.keys()) {
      if (this.#records.size <= this.maxAnalyses) return;
      if (!this.#pinned.has(id)) this.#records.delete(id);
    }
  }
}
