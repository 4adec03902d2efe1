/** The war-room page (`/` for the default analysis, `/analyses/:id` for any) and its static files. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../correlators/errors.js';
import { httpErrorSchema } from '../http-errors.js';
import { formatBytes, formatCount, renderWarRoomPage, type TemplateSet } from '../render/index.js';
import type { AnalysisRecord, AnalysisStore } from './analysis-store.js';

export interface WarRoomRoutesOptions {
  store: AnalysisStore;
  templates: TemplateSet;
  /** Folder of the page's script and stylesheet. */
  publicDir: string;
}

/** Served files, read once: only these names, so no request can reach another file. */
const PUBLIC_FILES = { 'war-room.js': 'text/javascript; charset=utf-8', 'war-room.css': 'text/css; charset=utf-8' } as const;

/** The page loads only its own script and stylesheet; the report sits in a non-executed JSON script element. */
export const WAR_ROOM_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const warRoomRoutes: FastifyPluginAsyncZod<WarRoomRoutesOptions> = async (app, opts) => {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const [name, type] of Object.entries(PUBLIC_FILES)) files.set(name, { type, body: readFileSync(path.join(opts.publicDir, name)) });

  const html = { 200: z.string(), 404: httpErrorSchema, '5xx': httpErrorSchema };

  app.get('/', { schema: { response: html } }, async (_request, reply) => {
    const record = opts.store.getDefault();
    if (!record) throw new NotFoundError('No default analysis is configured: start one with POST /api/analyses');
    return reply.type('text/html; charset=utf-8').header('content-security-policy', WAR_ROOM_CSP).send(renderPage(record, opts.templates));
  });

  app.get(
    '/analyses/:id',
    { schema: { params: z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'Invalid analysis id') }), response: { ...html, 400: httpErrorSchema } } },
    async (request, reply) => {
      const record = opts.store.get(request.params.id);
      if (!record) throw new NotFoundError(`Analysis ${request.params.id} not found`);
      return reply.type('text/html; charset=utf-8').header('content-security-policy', WAR_ROOM_CSP).send(renderPage(record, opts.templates));
    },
  );

  app.get(
    '/static/:name',
    { schema: { params: z.object({ name: z.string().max(64) }), response: { 200: z.any(), 404: httpErrorSchema } } },
    async (request, reply) => {
      const file = files.get(request.params.name);
      if (!file) throw new NotFoundError(`Static file ${request.params.name} not found`);
      return reply.type(file.type).header('cache-control', 'no-cache').send(file.body);
    },
  );
};

function renderPage(record: AnalysisRecord, templates: TemplateSet): string {
  const p = record.progress;
  const progress = p
    ? p.stage === 'ingest'
      ? `reading ${formatCount(p.filesDone)}/${formatCount(p.filesTotal)} files, ${formatCount(p.lines)} lines, ${formatBytes(p.bytesDone)}`
      : `analysing ${formatCount(p.lines)} lines from ${formatCount(p.files)} files`
    : 'starting';
  return renderWarRoomPage(
    {
      analysisId: record.id,
      sourceName: record.sourceName,
      status: record.status,
      window: record.window,
      report: record.report,
      error: record.publicError,
      progress,
    },
    templates,
  );
}
