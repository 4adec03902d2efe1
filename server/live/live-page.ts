/**
 * The live war-room page: `templates/live-war-room.html.hbs` (or the user's file of that name),
 * compiled once with `strict: true`, over a view model built here. The page embeds the current
 * report for the chart (war-room.js) and the session's addresses for live.js, which follows the
 * event stream. The banner view is formatted here, on the server, also for the stream's
 * `analysis` events, so the page script only places text.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { TemplateError } from '../../correlators/errors.js';
import { buildPostmortemView, formatDuration, formatUtcTime, serializeJsonForScript } from '../render/index.js';
import type { Note } from '../store/index.js';
import type { LiveSession } from './live-session.js';

export const LIVE_TEMPLATE = 'live-war-room.html.hbs';

export interface NoteView {
  id: number;
  time: string;
  atMs: number;
  author: string;
  text: string;
  entryTitle: string;
}

export function buildNoteView(n: Note): NoteView {
  return { id: n.id, time: formatUtcTime(n.atMs), atMs: n.atMs, author: n.author || 'a responder', text: n.text, entryTitle: n.entry?.title ?? '' };
}

export interface LivePage {
  readonly file: string;
  render(session: LiveSession): string;
}

/** Compiles the live page template (the user's when `userDir` has one); a broken one is a TemplateError naming it. */
export function loadLivePage(baseDir: string, userDir?: string): LivePage {
  const mine = userDir !== undefined ? path.join(userDir, LIVE_TEMPLATE) : undefined;
  const file = mine !== undefined && existsSync(mine) ? mine : path.join(baseDir, LIVE_TEMPLATE);
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TemplateError(`Cannot read template ${file}`, { cause: err });
  }
  const hb = Handlebars.create();
  hb.registerHelper('jsonForScript', (value: unknown) => new hb.SafeString(serializeJsonForScript(value)));
  const options: CompileOptions = { strict: true };
  try {
    hb.precompile(source, options);
  } catch (err) {
    throw new TemplateError(`Template ${file} does not compile`, { cause: err });
  }
  const fn = hb.compile(source, options);
  return {
    file,
    render(session) {
      try {
        return fn(buildLivePageView(session));
      } catch (err) {
        throw new TemplateError(`Template ${file} failed to render`, { cause: err });
      }
    },
  };
}

/** `30 min`, `2 h`: a window as people set it. */
function formatSpan(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return formatDuration(ms);
}

export function buildLivePageView(session: LiveSession): object {
  const snap = session.snapshot();
  const apiUrl = `/api/live/${encodeURIComponent(session.id)}`;
  const o = session.options;
  return {
    session: {
      id: session.id,
      source: o.sourceName,
      window: formatSpan(o.windowMs),
      clockLabel: o.clock === 'data' ? 'newest record read' : "server's clock",
      apiUrl,
    },
    pm: snap.report ? buildPostmortemView(snap.report) : null,
    notes: snap.notes.map(buildNoteView),
    report: snap.report,
    live: {
      id: session.id,
      eventsUrl: `${apiUrl}/events`,
      notesUrl: `${apiUrl}/notes`,
      lastEventId: snap.lastEventId,
      hasReport: snap.report !== null,
      notes: snap.notes.map(buildNoteView),
    },
  };
}
