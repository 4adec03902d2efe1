/** Bounded retries with exponential backoff, shared by the server-backed sources. */

export interface RetryPolicy {
  retries: number;
  backoffMs: number;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

/**
 * Runs `attempt` until it succeeds, `isRetryable(err)` says no, or `retries` more tries have
 * failed; waits `backoffMs * 2^n` (at most 8x `backoffMs`) between tries. Rethrows the last error.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, isRetryable: (err: unknown) => boolean, wait: Sleep = sleep, signal?: AbortSignal): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= policy.retries || !isRetryable(err) || signal?.aborted) throw err;
      await wait(policy.backoffMs * Math.min(8, 2 ** n), signal);
    }
  }
}
