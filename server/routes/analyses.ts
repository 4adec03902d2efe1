/**
 * `/api/analyses`: start an analysis of a configured source (a bundle folder, or a Prometheus +
 * Elasticsearch pair), read its report, timeline and postmortems. A request names a source; it
 * never gives a path, a URL or a credential.
 */
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { NotFoundError } from '../../correlators/errors.js';
import { reportSchema, timelineEntrySchema } from '../../correlators/report/index.js';
import { sourceNameSchema, windowInputSchema, type WindowInput } from '../config.js';
import { httpErrorSchema } from '../http-errors.js';
import type { AnalysisRunner } from '../pipeline.js';
import { renderPostmortemHtml, renderPostmortemMarkdown, type TemplateSet } from '../render/index.js';
import { SERVER_SOURCE_KIND } from '../sources/sources-file.js';
import type { SignalSource } from '../sources/types.js';
import type { AnalysisRecord, AnalysisStore } from './analysis-store.js';
import { pickSource } from './pick-source.js';

export interface AnalysesRoutesOptions {
  store: AnalysisStore;
  runner: AnalysisRunner;
  /** Configured file roots by name. */
  sources: Readonly<Record<string, string>>;
  defaultSource: string;
  /** Windows from each source's rootline.json, used when a request gives none. */
  sourceWindows: Readonly<Record<string, WindowInput>>;
  /** Configured Prometheus + Elasticsearch pairs by name; each call gives fresh sources. */
  serverSources?: Readonly<Record<string, () => readonly SignalSource[]>> | undefined;
  templates: TemplateSet;
  tz?: string | undefined;
}

export const createAnalysisBodySchema = z
  .object({
    window: windowInputSchema.optional(),
    source: z
      .object({
        kind: z.enum(['files', SERVER_SOURCE_KIND]),
        name: sourceNameSchema.optional(),
      })
      .strict(),
  })
  .strict();
export type CreateAnalysisBody = z.infer<typeof createAnalysisBodySchema>;

const idParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'Invalid analysis id, expecting the id returned by POST /api/analyses') });

const isoOrNull = z.string().nullable();

export const analysisSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  source: z.string(),
  window: z.object({ from: z.string(), to: z.string() }),
  createdAt: z.string(),
  finishedAt: isoOrNull,
  progress: z.object({ stage: z.string(), files: z.number(), lines: z.number(), badLines: z.number(), bytes: z.number() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  report: reportSchema.nullable(),
});
export type AnalysisResource = z.infer<typeof analysisSchema>;

const errors = { 400: httpErrorSchema, 404: httpErrorSchema, '5xx': httpErrorSchema };

export const analysesRoutes: FastifyPluginAsyncZod<AnalysesRoutesOptions> = async (app, opts) => {
  const { store } = opts;

  app.post(
    '/api/analyses',
    {
      schema: {
        body: createAnalysisBodySchema,
        response: { 201: z.object({ id: z.string(), status: z.enum(['running', 'done', 'failed']) }), ...errors },
      },
    },
    async (request, reply) => {
      const configured = { files: opts.sources, servers: opts.serverSources ?? {}, defaultSource: opts.defaultSource, windows: opts.sourceWindows };
      const { name, dir, sources, window } = pickSource(configured, request.body.source.kind, request.body.source.name, request.body.window);
      const record = store.start({ sourceName: name, dir, sources, window: normaliseWindow(window), tz: opts.tz, runner: opts.runner, log: request.log });
      request.log.info({ analysisId: record.id, source: name }, 'analysis started');
      return reply.code(201).header('location', `/api/analyses/${record.id}`).send({ id: record.id, status: record.status });
    },
  );

  app.get(
    '/api/analyses/:id',
    { schema: { params: idParamsSchema, response: { 200: analysisSchema, 202: analysisSchema, ...errors } } },
    async (request, reply) => {
      const record = getRecord(store, request.params.id);
      return reply.code(record.status === 'running' ? 202 : 200).send(toResource(record));
    },
  );

  app.get(
    '/api/analyses/:id/timeline',
    {
      schema: {
        params: idParamsSchema,
        querystring: z.object({
          lane: z.string().max(200).optional(),
          limit: z.coerce.number().int('limit must be an integer').min(1, 'limit must be at least 1').max(100_000, 'limit must be at most 100000').optional(),
        }),
        response: {
          200: z.object({ id: z.string(), total: z.number().int(), entries: z.array(timelineEntrySchema) }),
          202: analysisSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const record = getRecord(store, request.params.id);
      const report = readyReport(record);
      if (!report) return reply.code(202).send(toResource(record));
      const { lane, limit } = request.query;
      const matching = lane === undefined ? report.timeline : report.timeline.filter((e) => e.lane === lane);
      return reply.send({ id: record.id, total: matching.length, entries: limit === undefined ? matching : matching.slice(0, limit) });
    },
  );

  app.get(
    '/api/analyses/:id/postmortem.md',
    { schema: { params: idParamsSchema, response: { 200: z.string(), 202: analysisSchema, ...errors } } },
    async (request, reply) => {
      const record = getRecord(store, request.params.id);
      const report = readyReport(record);
      if (!report) return reply.code(202).send(toResource(record));
      return reply.type('text/markdown; charset=utf-8').send(renderPostmortemMarkdown(report, opts.templates));
    },
  );

  app.get(
    '/api/analyses/:id/postmortem.html',
    { schema: { params: idParamsSchema, response: { 200: z.string(), 202: analysisSchema, ...errors } } },
    async (request, reply) => {
      const record = getRecord(store, request.params.id);
      const report = readyReport(record);
      if (!report) return reply.code(202).send(toResource(record));
      // Self-contained document: its own inline print stylesheet, no scripts at all.
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .send(renderPostmortemHtml(report, opts.templates));
    },
  );
};

function getRecord(store: AnalysisStore, id: string): AnalysisRecord {
  const record = store.get(id);
  if (!record) throw new NotFoundError(`Analysis ${id} not found (analyses are kept in memory, the newest ${store.maxAnalyses})`);
  return record;
}

/** The report when done; undefined while running; a failed analysis throws its error again. */
function readyReport(record: AnalysisRecord) {
  if (record.status === 'failed') throw record.error;
  return record.report ?? undefined;
}

/** ISO times written back in one canonical UTC form. */
function normaliseWindow(w: WindowInput): WindowInput {
  const iso = (s: string) => DateTime.fromISO(s, { zone: 'utc' }).toUTC().toISO({ suppressMilliseconds: true }) ?? s;
  return { from: iso(w.from), to: iso(w.to) };
}

export function toResource(record: AnalysisRecord): AnalysisResource {
  const iso = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' }).toISO() ?? '';
  const p = record.progress;
  return {
    id: record.id,
    status: record.status,
    source: record.sourceName,
    window: record.window,
    createdAt: iso(record.createdAtMs),
    finishedAt: record.finishedAtMs === null ? null : iso(record.finishedAtMs),
    progress: p
      ? p.stage === 'ingest'
        ? { stage: p.stage, files: p.filesDone, lines: p.lines, badLines: p.badLines, bytes: p.bytesDone }
        : { stage: p.stage, files: p.files, lines: p.lines, badLines: p.badLines, bytes: p.bytes }
      : null,
    error: record.publicError,
    report: record.report,
  };
}
