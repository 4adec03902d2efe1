/**
 * Bounds the analyses: at most `maxRunning` at once, `maxQueued` more waiting in FIFO order, each
 * cancelled after its time budget. A request beyond that is refused before anything starts (429
 * with Retry-After); while the server shuts down, 503. On shutdown the queue is emptied, running
 * analyses get a grace period and are then cancelled through their AbortSignal.
 */
import type { Report } from '../../correlators/report/index.js';
import { BusyError, ServerUnavailableError, TimeBudgetError } from '../../correlators/errors.js';
import type { AnalysisRunner, RunAnalysisOptions } from '../pipeline.js';
import type { Limits } from './config.js';

export type AnalysisOutcome = 'done' | 'failed' | 'timeout' | 'cancelled';

export interface LimiterEvents {
  /** An analysis ended after running `runMs` (queue time excluded). */
  onSettled?(outcome: AnalysisOutcome, runMs: number, report: Report | undefined): void;
  /** A request was refused: `busy` (429) or `draining` (503). */
  onRejected?(reason: 'busy' | 'draining'): void;
}

interface Waiter {
  start(): void;
  cancel(err: Error): void;
}

/** First guess of an analysis' duration, for Retry-After before any has finished. */
const INITIAL_ESTIMATE_MS = 5_000;
const MAX_RETRY_AFTER_S = 120;

export class AnalysisLimiter {
  #running = 0;
  #reserved = 0;
  readonly #queue: Waiter[] = [];
  readonly #controllers = new Set<AbortController>();
  readonly #settledWaiters = new Set<() => void>();
  #draining = false;
  #estimateMs = INITIAL_ESTIMATE_MS;

  constructor(readonly limits: Limits, private readonly events: LimiterEvents = {}, private readonly nowMs: () => number = () => performance.now()) {}

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Seconds a refused client should wait: about when a slot frees for it. */
  retryAfterS(): number {
    const ahead = this.#running + this.#queue.length + 1;
    const s = Math.ceil((this.#estimateMs * ahead) / this.limits.maxRunning / 1000);
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, s));
  }

  /**
   * Reserves a place for an analysis a request is about to start, or throws the error to answer
   * with (BusyError 429, ServerUnavailableError 503). Call `release` once the request is answered.
   */
  reserve(): void {
    if (this.#draining) {
      this.events.onRejected?.('draining');
      throw new ServerUnavailableError('The server is shutting down and takes no new analyses; retry on another instance', { retryAfterS: 5 });
    }
    // A reservation and the analysis it started are both counted until the request is answered: never over-admits.
    if (this.#running + this.#queue.length + this.#reserved >= this.limits.maxRunning + this.limits.maxQueued) {
      this.events.onRejected?.('busy');
      const retryAfterS = this.retryAfterS();
      throw new BusyError(`Too many analyses: ${this.#running} running and ${this.#queue.length} queued (limits ${this.limits.maxRunning} and ${this.limits.maxQueued}); retry in ${retryAfterS} s`, { retryAfterS });
    }
    this.#reserved++;
  }

  release(): void {
    if (this.#reserved > 0) this.#reserved--;
  }

  /** `runner` behind the queue, the time budget and shutdown cancellation. */
  wrap(runner: AnalysisRunner): AnalysisRunner {
    return (options) => this.#run(runner, options);
  }

  async #run(runner: AnalysisRunner, options: RunAnalysisOptions): Promise<Report> {
    if (this.#draining) throw new ServerUnavailableError('The server is shutting down and takes no new analyses', { retryAfterS: 5 });
    if (this.#running >= this.limits.maxRunning) {
      // Over capacity without a reservation (a caller other than POST): refuse rather than grow the queue.
      if (this.#queue.length >= this.limits.maxQueued) {
        throw new BusyError(`Too many analyses queued (limit ${this.limits.maxQueued})`, { retryAfterS: this.retryAfterS() });
      }
      // The finishing analysis hands its slot over: `#running` already counts this one when it resumes.
      await new Promise<void>((resolve, reject) => this.#queue.push({ start: resolve, cancel: reject }));
    } else {
      this.#running++;
    }
    const controller = new AbortController();
    this.#controllers.add(controller);
    const startedMs = this.nowMs();
    const budget = setTimeout(() => {
      controller.abort(new TimeBudgetError(`The analysis ran past its time budget of ${Math.round(this.limits.analysisTimeoutMs / 1000)} s and was cancelled`));
    }, this.limits.analysisTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    // A runner that ignores the signal still fails on time; its slot stays taken until it really ends.
    const aborted = new Promise<never>((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    const work = runner({ ...options, signal });
    let outcome: AnalysisOutcome = 'failed';
    let report: Report | undefined;
    try {
      report = await Promise.race([work, aborted]);
      outcome = 'done';
      return report;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      outcome = code === 'RL_ERR_LIMIT_TIME' ? 'timeout' : code === 'RL_ERR_SERVER_UNAVAILABLE' ? 'cancelled' : 'failed';
      throw err;
    } finally {
      clearTimeout(budget);
      const runMs = this.nowMs() - startedMs;
      if (outcome === 'done') this.#estimateMs = 0.7 * this.#estimateMs + 0.3 * runMs;
      this.events.onSettled?.(outcome, runMs, report);
      void work.catch(() => undefined).finally(() => {
        this.#controllers.delete(controller);
        const next = this.#queue.shift();
        if (next) next.start();
        else this.#running--;
        if (this.#running === 0) for (const w of this.#settledWaiters) w();
      });
    }
  }

  /**
   * Shutdown: refuse new analyses, cancel queued ones, give running ones `graceMs`, then cancel
   * them; resolves when none runs (or 2 s after cancelling, for runners that ignore the signal).
   */
  async drain(graceMs = this.limits.shutdownGraceMs): Promise<void> {
    this.#draining = true;
    for (const w of this.#queue.splice(0)) w.cancel(new ServerUnavailableError('The server shut down before this analysis started'));
    if (this.#running === 0) return;
    const idle = new Promise<void>((resolve) => this.#settledWaiters.add(resolve));
    // Each wait's timer is cleared when the analyses end first: a pending one would hold the
    // process open for the rest of the grace period after `app.close()` returned.
    const waitOrIdle = async (ms: number): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
      } finally {
        clearTimeout(timer);
      }
    };
    await waitOrIdle(graceMs);
    if (this.#running === 0) return;
    for (const c of this.#controllers) c.abort(new ServerUnavailableError('The analysis was cancelled: the server is shutting down'));
    await waitOrIdle(2_000);
  }
}
