/** The war-room page: server-rendered banner and lists, plus the report as JSON for the page script. */
import type { Report } from '../../correlators/report/index.js';
import { formatUtc } from './format.js';
import { buildPostmortemView, type PostmortemView } from './postmortem-view.js';
import type { TemplateSet } from './templates.js';

export interface WarRoomInput {
  analysisId: string;
  sourceName: string;
  status: 'running' | 'done' | 'failed';
  window: { from: string; to: string };
  report: Report | null;
  error: { code: string; message: string } | null;
  /** While running: what the reader has done so far, for people. */
  progress: string;
}

export interface WarRoomView {
  analysis: { id: string; source: string; status: string; from: string; to: string; progress: string; apiUrl: string };
  running: boolean;
  failed: boolean;
  error: { code: string; message: string } | null;
  pm: PostmortemView | null;
  lanes: { name: string; entries: number }[];
  report: Report | null;
}

export function buildWarRoomView(input: WarRoomInput): WarRoomView {
  const lanes = new Map<string, number>();
  for (const e of input.report?.timeline ?? []) lanes.set(e.lane, (lanes.get(e.lane) ?? 0) + 1);
  return {
    analysis: {
      id: input.analysisId,
      source: input.sourceName,
      status: input.status,
      from: formatUtc(input.window.from),
      to: formatUtc(input.window.to),
      progress: input.progress,
      apiUrl: `/api/analyses/${encodeURIComponent(input.analysisId)}`,
    },
    running: input.status === 'running',
    failed: input.status === 'failed',
    error: input.error,
    pm: input.report ? buildPostmortemView(input.report) : null,
    lanes: [...lanes].map(([name, entries]) => ({ name, entries })),
    report: input.report,
  };
}

export function renderWarRoomPage(input: WarRoomInput, templates: TemplateSet): string {
  return templates.render('war-room.html.hbs', buildWarRoomView(input));
}
