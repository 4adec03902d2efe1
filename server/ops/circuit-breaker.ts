/**
 * A circuit breaker around a server-backed source (Prometheus, Elasticsearch), kept across
 * analyses. Each source already retries with backoff and stops querying a server that went down
 * within one fetch; this stops the next analyses from each paying the timeouts again: after
 * `failureThreshold` fetches in a row where every part failed (or the fetch threw), the circuit
 * opens and fetches answer at once with a `failed` SourceReport ("circuit open since ...") that
 * keeps the source's evidence kinds, so the analysis knows what it goes without. After `cooldownMs`
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
  /** Called when the circuit opens (not for the fetches it then skips). */
  onOpen?: (key: string) => void;
}

export const DEFAULT_BREAKER: Readonly<CircuitBreakerOptions> = Object.freeze({ failureThreshold: 3, cooldownMs: 30_000 });

export type CircuitState = 'closed' | 'open' | 'half-open';
export const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'half-open', 'open'];

export interface BreakerSource extends SignalSource {
  readonly state: CircuitState;
}

/** True when the fetch produced nothing usable: every part failed. */
function allFailed(set: SignalSet): boolean {
  return set.sources.length > 0 && set.sources.every((s) => s.status === 'failed');
}

/** What a breaker remembers; shared by every source of one key (see {@link createCircuitBreakers}). */
export interface BreakerState {
  failures: number;
  /** When the circuit last opened (it stays "open since" then while trials fail). */
  openedAtMs: number;
  openUntilMs: number;
  trialInFlight: boolean;
  lastError: string;
}

export function newBreakerState(): BreakerState {
  return { failures: 0, openedAtMs: 0, openUntilMs: 0, trialInFlight: false, lastError: '' };
}

function stateOf(st: BreakerState, options: CircuitBreakerOptions, nowMs: number): CircuitState {
  if (st.failures < options.failureThreshold) return 'closed';
  return nowMs < st.openUntilMs || st.trialInFlight ? 'open' : 'half-open';
}

const iso = (ms: number): string => DateTime.fromMillis(ms, { zone: 'utc' }).toISO({ suppressMilliseconds: true }) ?? String(ms);

/**
 * Wraps `source`; `key` names the breaker in messages and metrics (default: the source's name).
 * The wrapped source keeps the name and evidence kinds of `source`.
 */
export function withCircuitBreaker(source: SignalSource, options: CircuitBreakerOptions = DEFAULT_BREAKER, st: BreakerState = newBreakerState(), key = source.name): BreakerSource {
  const now = options.nowMs ?? (() => Date.now());

  const record = (failed: boolean, message: string): void => {
    if (!failed) {
      st.failures = 0;
      st.openedAtMs = 0;
      return;
    }
    const wasClosed = st.failures < options.failureThreshold;
    st.failures++;
    st.lastError = message;
    if (st.failures >= options.failureThreshold) {
      if (wasClosed) st.openedAtMs = now();
      st.openUntilMs = now() + options.cooldownMs;
      if (wasClosed) options.onOpen?.(key);
    }
  };

  const shortCircuit = (window: AnalysisWindow): SignalSet => ({
    window,
    logs: [],
    series: [],
    audit: [],
    sources: [
      {
        sourceId: source.name,
        format: 'circuit-breaker',
        status: 'failed',
        message: `source ${source.name}: circuit open since ${iso(st.openedAtMs)}, not queried: it failed ${st.failures} times in a row (last: ${st.lastError.slice(0, 300)}); tried again after ${iso(st.openUntilMs)}; analysed without it`,
        lines: 0,
        records: 0,
        badLines: 0,
        badSamples: [],
        bytes: 0,
        ...(source.evidence ? { evidence: [...source.evidence] } : {}),
      },
    ],
  });

  return {
    name: source.name,
    ...(source.evidence ? { evidence: source.evidence } : {}),
    get state() {
      return stateOf(st, options, now());
    },
    async fetch(window: AnalysisWindow, fetchOptions?: FetchOptions): Promise<SignalSet> {
      const s = stateOf(st, options, now());
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

export interface CircuitSnapshot {
  key: string;
  state: CircuitState;
  failures: number;
  /** Set while the circuit is open or half-open. */
  openedAtMs?: number;
}

export interface CircuitBreakers {
  /**
   * `source` behind the breaker of `scope/name` (or `name`), shared with every earlier source of
   * that key: sources are built afresh for each analysis (so no result cache outlives it), and
   * two configured pairs may both call their Prometheus "prometheus".
   */
  wrap(source: SignalSource, scope?: string): BreakerSource;
  /** Every breaker made so far, for /metrics. */
  snapshot(): CircuitSnapshot[];
}

export function createCircuitBreakers(options: CircuitBreakerOptions = DEFAULT_BREAKER): CircuitBreakers {
  const states = new Map<string, BreakerState>();
  const now = options.nowMs ?? (() => Date.now());
  return {
    wrap(source, scope) {
      const key = scope === undefined ? source.name : `${scope}/${source.name}`;
      let state = states.get(key);
      if (!state) states.set(key, (state = newBreakerState()));
      return withCircuitBreaker(source, options, state, key);
    },
    snapshot() {
      return [...states].map(([key, st]) => {
        const state = stateOf(st, options, now());
        return { key, state, failures: st.failures, ...(state === 'closed' ? {} : { openedAtMs: st.openedAtMs }) };
      });
    },
  };
}
