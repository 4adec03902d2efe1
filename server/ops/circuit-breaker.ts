/**
 * A circuit breaker around a server-backed source (Prometheus, Elasticsearch), kept across
 * analyses. Each source already retries with backoff and stops querying a server that went down
 * within one fetch; this stops the next analyses from each paying the timeouts again: after
 * `failureThreshold` fetches in a row where every part failed, the circuit opens and fetches answer
 * at once with a `failed` SourceReport saying when the source is tried again. After `cooldownMs`
 * one fetch goes through (half-open): success closes the circuit, failure opens it again.
 */
import { DateTime } from 'luxon';
import type { AnalysisWindow, SignalSet } from '../../correlators/signals/index.js';
import type { FetchOptions, SignalSource } from '../sources/types.js';

export interface CircuitBreakerOptions {
  /** Failed fetches in a row that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial fetch. */
  cooldownMs: number;
  nowMs?: () => number;
  /** Called when the circuit opens, and for each fetch it short-circuits. */
  onOpen?: (source: string) => void;
}

export const DEFAULT_BREAKER: Readonly<CircuitBreakerOptions> = Object.freeze({ failureThreshold: 3, cooldownMs: 30_000 });

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerSource extends SignalSource {
  readonly state: CircuitState;
}

/** True when the fetch produced nothing usable: every part failed. */
function allFailed(set: SignalSet): boolean {
  return set.sources.length > 0 && set.sources.every((s) => s.status === 'failed');
}

/** What a breaker remembers; shared by every source of one name (see {@link createCircuitBreakers}). */
export interface BreakerState {
  failures: number;
  openUntilMs: number;
  trialInFlight: boolean;
  lastError: string;
}

export function newBreakerState(): BreakerState {
  return { failures: 0, openUntilMs: 0, trialInFlight: false, lastError: '' };
}

export function withCircuitBreaker(source: SignalSource, options: CircuitBreakerOptions = DEFAULT_BREAKER, st: BreakerState = newBreakerState()): BreakerSource {
  const now = options.nowMs ?? (() => Date.now());

  const state = (): CircuitState => (st.failures < options.failureThreshold ? 'closed' : now() < st.openUntilMs || st.trialInFlight ? 'open' : 'half-open');

  const record = (failed: boolean, message: string): void => {
    if (!failed) {
      st.failures = 0;
      return;
    }
    st.failures++;
    st.lastError = message;
    if (st.failures >= options.failureThreshold) {
      st.openUntilMs = now() + options.cooldownMs;
      options.onOpen?.(source.name);
    }
  };

  const shortCircuit = (window: AnalysisWindow): SignalSet => {
    options.onOpen?.(source.name);
    const retryAt = DateTime.fromMillis(st.openUntilMs, { zone: 'utc' }).toISO({ suppressMilliseconds: true });
    return {
      window,
      logs: [],
      series: [],
      audit: [],
      sources: [
        {
          sourceId: source.name,
          format: 'circuit-breaker',
          status: 'failed',
          message: `source ${source.name}: not queried, it failed ${st.failures} times in a row (last: ${st.lastError.slice(0, 300)}); tried again after ${retryAt}`,
          lines: 0,
          records: 0,
          badLines: 0,
          badSamples: [],
          bytes: 0,
        },
      ],
    };
  };

  return {
    name: source.name,
    get state() {
      return state();
    },
    async fetch(window: AnalysisWindow, fetchOptions?: FetchOptions): Promise<SignalSet> {
      const s = state();
      if (s === 'open') return shortCircuit(window);
      const trial = s === 'half-open';
      if (trial) st.trialInFlight = true;
      try {
        const set = await source.fetch(window, fetchOptions);
        // A cancelled analysis says nothing about the source.
        if (!fetchOptions?.signal?.aborted) record(allFailed(set), set.sources.find((r) => r.status === 'failed')?.message ?? '');
        return set;
      } catch (err) {
        if (!fetchOptions?.signal?.aborted) record(true, err instanceof Error ? err.message : String(err));
        throw err;
      } finally {
        if (trial) st.trialInFlight = false;
      }
    },
  };
}

/**
 * Breakers kept by source name across analyses, for sources built afresh for each analysis (so no
 * result cache outlives it): `wrap(source)` shares the state of every earlier source of that name.
 */
export function createCircuitBreakers(options: CircuitBreakerOptions = DEFAULT_BREAKER): { wrap(source: SignalSource): BreakerSource } {
  const states = new Map<string, BreakerState>();
  return {
    wrap(source) {
      let state = states.get(source.name);
      if (!state) states.set(source.name, (state = newBreakerState()));
      return withCircuitBreaker(source, options, state);
    },
  };
}
