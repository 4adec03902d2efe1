/**
 * Responders' notes on the timeline and in the postmortem: each note becomes a timeline entry of
 * kind `note` in a `notes` lane, at its time (a mark at the marked entry's time). Pure.
 */
import { DateTime } from 'luxon';
import type { Report, TimelineEntry } from '../../correlators/report/index.js';
import type { Note } from '../store/index.js';

export const NOTES_LANE = 'notes';
/** Rows a postmortem's timeline shows (POSTMORTEM_TIMELINE_CAP of server/render): notes must fit in them. */
const POSTMORTEM_ROWS = 200;

export function buildNoteEntry(note: Note): TimelineEntry {
  const who = note.author || 'a responder';
  const title = note.entry ? `Note by ${who}: ${note.text} (on: ${note.entry.title})` : `Note by ${who}: ${note.text}`;
  return {
    id: `note-${note.id}`,
    at: DateTime.fromMillis(note.atMs, { zone: 'utc' }).toISO() ?? '',
    atMs: Math.round(note.atMs),
    component: 'other',
    lane: NOTES_LANE,
    kind: 'note',
    // warn: a note is notable, so the postmortem's timeline (which leaves out info entries) keeps it
    severity: 'warn',
    title,
    count: 1,
    inChain: false,
    evidence: { sourceId: `note #${note.id} by ${who}`, atMs: note.atMs, text: note.text },
  };
}

const isNotable = (e: TimelineEntry): boolean => e.inChain || e.severity !== 'info' || e.kind === 'episode';

/**
 * The report with the notes in its timeline (time order). When the postmortem's timeline would
 * overflow, the latest notable entries that are neither notes nor chain links make room.
 */
export function mergeNotes(report: Report, notes: readonly Note[]): Report {
  if (notes.length === 0) return report;
  const entries = notes.map(buildNoteEntry);
  let timeline = [...report.timeline, ...entries].sort((a, b) => a.atMs - b.atMs || (a.kind === 'note' ? 1 : 0) - (b.kind === 'note' ? 1 : 0));
  let over = timeline.filter(isNotable).length - POSTMORTEM_ROWS;
  if (over > 0) {
    const drop = new Set<TimelineEntry>();
    for (let i = timeline.length - 1; i >= 0 && over > 0; i--) {
      const e = timeline[i]!;
      if (isNotable(e) && e.kind !== 'note' && !e.inChain) {
        drop.add(e);
        over--;
      }
    }
    timeline = timeline.filter((e) => !drop.has(e));
  }
  return { ...report, timeline };
}
