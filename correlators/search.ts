/** Binary search over a sorted range, shared by the correlators and the live store. */

/**
 * The first index in [0, n) at which `reached(i)` holds, or n when it never does. `reached` must
 * be false and then true along the range (a bound searched in sorted data): O(log n) calls.
 */
export function firstIndex(n: number, reached: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (reached(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
