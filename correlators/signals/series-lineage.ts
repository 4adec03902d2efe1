/**
 * Which series a series was made from, and which of its points it kept. A live window hands the
 * analysis a new object for every series each tick (series are never changed in place: a trimmed
 * head or an appended point makes a new one), but most of its points are the last tick's. The
 * store notes which points each kept: its trims through {@link sliceSeries}, which notes the link
 * as it copies, and a source's rebuilt series through {@link relateSeries}, which compares points.
 * The analysis follows a link to update what it knew of the parent (count, extremes) with the
 * points that left and arrived, instead of reading every point again.
 *
 * A link is noted only by a function that copied or compared the points, so it cannot be wrong.
 * A link holds its parent, so chains are kept short: whoever has
 * worked out what it needs of a series {@link settleLink settles} it (the analysis cache, after
 * each analysis), and a series already four generations from a settled one is not linked.
 */
import { firstIndex } from '../search.js';
import type { Series } from './types.js';

/**
 * `child.t[j]` and `child.v[j]` are `parent.t[drop + j]` and `parent.v[drop + j]` for j < keep;
 * the child's points from `keep` on are not the parent's.
 */
export interface SeriesLink {
  parent: Series;
  drop: number;
  keep: number;
}

/** Unsettled generations a chain may hold (the store trims and appends between two analyses). */
const GENERATIONS = 4;

const links = new WeakMap<Series, SeriesLink & { depth: number }>();

/** The points [lo, hi) of `s`, as a new series linked to `s` (`s` itself when that is all of it). */
export function sliceSeries(s: Series, lo: number, hi: number): Series {
  const from = Math.max(0, lo);
  const to = Math.min(s.t.length, hi);
  if (from === 0 && to === s.t.length) return s;
  const out = { ...s, t: s.t.slice(from, to), v: s.v.slice(from, to) };
  note(out, s, from, to - from);
  return out;
}

/**
 * Links `next` to `prev` by comparing their points, for series rebuilt by code that cannot say what
 * it kept (a file's parser generations merged again): `next`'s points from its first on are `prev`'s
 * from the same time on, as far as they are equal. O(points), like the rebuild it follows.
 */
export function relateSeries(next: Series, prev: Series): void {
  const t = next.t;
  const v = next.v;
  if (next === prev || t.length === 0) return;
  const pt = prev.t;
  const pv = prev.v;
  // where prev reaches next's first time (a bound only: the compare below decides what is kept)
  const drop = firstIndex(pt.length, (i) => pt[i]! >= t[0]!);
  let keep = 0;
  const n = Math.min(t.length, pt.length - drop);
  while (keep < n && t[keep] === pt[drop + keep] && Object.is(v[keep], pv[drop + keep])) keep++;
  note(next, prev, drop, keep);
}

function note(child: Series, parent: Series, drop: number, keep: number): void {
  if (child === parent || keep <= 0) return;
  const depth = (links.get(parent)?.depth ?? 0) + 1;
  if (depth <= GENERATIONS) links.set(child, { parent, drop, keep, depth });
}

/**
 * The link of `s` to its nearest ancestor that `known` accepts, composed through the ancestors
 * in between; undefined when there is none or none of its points reached `s`.
 */
export function linkTo(s: Series, known: (a: Series) => boolean): SeriesLink | undefined {
  const first = links.get(s);
  if (!first) return undefined;
  let link: SeriesLink = { parent: first.parent, drop: first.drop, keep: first.keep };
  for (;;) {
    if (known(link.parent)) return link;
    const up = links.get(link.parent);
    if (!up) return undefined;
    // child[j] = parent[link.drop + j] = ancestor[up.drop + link.drop + j], while link.drop + j < up.keep
    const keep = Math.min(link.keep, up.keep - link.drop);
    if (keep <= 0) return undefined;
    link = { parent: up.parent, drop: up.drop + link.drop, keep };
  }
}

/** Forgets how `s` was made: what its users needed of its parent is known (its children link to `s`). */
export function settleLink(s: Series): void {
  links.delete(s);
}
