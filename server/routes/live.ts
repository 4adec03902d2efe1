/**
 * `/api/live`: live sessions over configured sources (start or join, list, read, stop), their
 * event stream (SSE: `Last-Event-ID` replay, heartbeats, a snapshot for new or lapsed viewers),
 * postmortems from the live analysis plus the notes, and the live war-room page at `/live/:id`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fastifySSE } from '@fastify/sse';
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InputError, NotFoundError } from '../../correlators/errors.js';
import { reportSchema } from '../../correlators/report/index.js';
import { sourceNameSchema } from '../config.js';
import { httpErrorSchema } from '../http-errors.js';
import type { LiveHub, LivePage, LiveRequest, LiveSession, Subscriber } from '../live/index.js';
import { renderPostmortemHtml, renderPostmortemMarkdown, type TemplateSet } from '../render/index.js';
import { parseDurationMs } from '../sources/config.js';
import { SERVER_SOURCE_KIND } from '../sources/sources-file.js';
import type { SignalSource } from '../sources/types.js';
import { noteSchema } from '../store/index.js';
import { WAR_ROOM_CSP } from './war-room.js';

export interface LiveRoutesOptions {
  hub: LiveHub;
  sources: Readonly<Record<string, string>>;
  /** Prometheus + Elasticsearch pairs by name (behind their breakers): fresh sources per call. */
  serverSources?: Readonly<Record<string, () => readonly SignalSource[]>> | undefined;
  defaultSource: string;
  templates: TemplateSet;
  page: LivePage;
  /** Folder of live.js and live.css. */
  publicDir: string;
}

/** Heartbeat comments keep proxies and browsers from closing a quiet stream. */
export const SSE_HEARTBEAT_MS = 15_000;
/** A viewer that lets this much pile up unread is cut off; its browser reconnects and resumes. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const PUBLIC_FILES = { 'live.js': 'text/javascript; charset=utf-8', 'live.css': 'text/css; charset=utf-8' } as const;

const durationText = (what: string, minMs: number, maxMs: number) =>
  z
    .string()
    .max(20)
    .refine((s) => {
      const ms = parseDurationMs(s);
      return ms !== undefined && ms >= minMs && ms <= maxMs;
    }, `Invalid ${what}, expecting a duration such as ${what === 'window' ? '30m' : '2s'} between ${formatLimit(minMs)} and ${formatLimit(maxMs)}`);

function formatLimit(ms: number): string {
  return ms >= 3_600_000 ? `${ms / 3_600_000}h` : ms >= 60_000 ? `${ms / 60_000}m` : ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

export const startLiveBodySchema = z
  .object({
    /**
     * What to follow: a bundle folder (`files`), or a configured Prometheus + Elasticsearch pair,
     * polled, optionally with a bundle folder (`files`: its name) followed beside it.
     */
    source: z.discriminatedUnion(
      'kind',
      [
        z.object({ kind: z.literal('files'), name: sourceNameSchema.optional() }).strict(),
        z.object({ kind: z.literal(SERVER_SOURCE_KIND), name: sourceNameSchema.optional(), files: sourceNameSchema.optional() }).strict(),
      ],
      { error: `Invalid source.kind, expecting "files" or "${SERVER_SOURCE_KIND}"` },
    ),
    /** The sliding window, e.g. `30m`. */
    window: durationText('window', 60_000, 24 * 3_600_000).optional(),
    /** How often the files are read, e.g. `2s`. */
    interval: durationText('interval', 250, 600_000).optional(),
    clock: z.enum(['data', 'wall'], { error: 'Invalid clock, expecting data or wall' }).optional(),
    /** The key notes are stored under; by default the bundle's folder. */
    incident: z.string().min(1).max(200).optional(),
  })
  .strict();

export const liveIdParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'Invalid live session id, expecting the id returned by POST /api/live') });

const sessionSchema = z.object({
  id: z.string(),
  source: z.string(),
  /** `files`, or the pair's kind when a Prometheus + Elasticsearch pair is polled. */
  kind: z.enum(['files', SERVER_SOURCE_KIND]),
  /** Whether a bundle folder is followed (a pair may be polled without one). */
  followsFiles: z.boolean(),
  incident: z.string(),
  windowMs: z.number(),
  intervalMs: z.number(),
  clock: z.enum(['data', 'wall']),
  page: z.string(),
  events: z.string(),
  status: z.object({
    state: z.enum(['waiting', 'live', 'stopped']),
    window: z.object({ from: z.string(), to: z.string() }).nullable(),
    clock: z.enum(['data', 'wall']),
    clockMs: z.number().nullable(),
    ticks: z.number(),
    analyses: z.number(),
    lastAnalysisMs: z.number().nullable(),
    reuse: z.object({ recordsClassified: z.number(), recordsReused: z.number(), seriesDetected: z.number(), seriesReused: z.number(), seriesRead: z.number(), seriesUpdated: z.number() }),
    files: z.number(),
    records: z.number(),
    viewers: z.number(),
    lastEventId: z.number(),
    error: z.string().nullable(),
  }),
});

const errors = { 400: httpErrorSchema, 404: httpErrorSchema, '4xx': httpErrorSchema, '5xx': httpErrorSchema };

export const liveRoutes: FastifyPluginAsyncZod<LiveRoutesOptions> = async (app, opts) => {
  const { hub } = opts;
  await app.register(fastifySSE, { heartbeatInterval: SSE_HEARTBEAT_MS });
  app.addHook('onClose', async () => hub.close());
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const [name, type] of Object.entries(PUBLIC_FILES)) files.set(name, { type, body: readFileSync(path.join(opts.publicDir, name)) });

  app.post(
    '/api/live',
    { schema: { body: startLiveBodySchema, response: { 200: sessionSchema, 201: sessionSchema, ...errors } } },
    async (request, reply) => {
      const body = request.body;
      const target = pickLiveTarget(opts, body.source);
      const { session, created } = hub.start({
        ...target,
        incident: body.incident,
        windowMs: body.window === undefined ? undefined : parseDurationMs(body.window),
        intervalMs: body.interval === undefined ? undefined : parseDurationMs(body.interval),
        clock: body.clock,
      });
      return reply.code(created ? 201 : 200).header('location', `/api/live/${session.id}`).send(toResource(session));
    },
  );

  app.get('/api/live', { schema: { response: { 200: z.object({ sessions: z.array(sessionSchema) }) } } }, async () => ({ sessions: hub.list().map(toResource) }));

  app.get(
    '/api/live/:id',
    { schema: { params: liveIdParamsSchema, response: { 200: sessionSchema.extend({ report: reportSchema.nullable(), notes: z.array(noteSchema) }), ...errors } } },
    async (request) => {
      const session = hub.require(request.params.id);
      const snap = session.snapshot();
      return { ...toResource(session), report: snap.report, notes: snap.notes };
    },
  );

  app.delete('/api/live/:id', { schema: { params: liveIdParamsSchema, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
    if (!(await hub.stop(request.params.id))) throw new NotFoundError(`Live session ${request.params.id} not found`);
    return reply.code(204).send(null);
  });

  app.get(
    '/api/live/:id/events',
    {
      sse: { kind: 'only', serializer: (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data)) },
      schema: { params: liveIdParamsSchema, querystring: z.object({ after: z.string().max(20).optional() }) },
    },
    async (request, reply) => streamEvents(hub.require(request.params.id), request, reply, request.query.after),
  );

  app.get(
    '/api/live/:id/postmortem.md',
    { schema: { params: liveIdParamsSchema, response: { 200: z.string(), ...errors } } },
    async (request, reply) => {
      const report = readyReport(hub.require(request.params.id));
      return reply.type('text/markdown; charset=utf-8').header('content-disposition', 'inline; filename="postmortem.md"').send(renderPostmortemMarkdown(report, opts.templates));
    },
  );

  app.get(
    '/api/live/:id/postmortem.html',
    { schema: { params: liveIdParamsSchema, response: { 200: z.string(), ...errors } } },
    async (request, reply) => {
      const report = readyReport(hub.require(request.params.id));
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        .send(renderPostmortemHtml(report, opts.templates));
    },
  );

  app.get('/live/:id', { schema: { params: liveIdParamsSchema, response: { 200: z.string(), ...errors } } }, async (request, reply) => {
    const session = hub.require(request.params.id);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', WAR_ROOM_CSP).header('cache-control', 'no-store').send(opts.page.render(session));
  });

  app.get(
    '/static/live/:name',
    { schema: { params: z.object({ name: z.string().max(64) }), response: { 200: z.any(), 404: httpErrorSchema } } },
    async (request, reply) => {
      const file = files.get(request.params.name);
      if (!file) throw new NotFoundError(`Static file live/${request.params.name} not found`);
      return reply.type(file.type).header('cache-control', 'no-cache').send(file.body);
    },
  );
};

const names = (o: object): string => Object.keys(o).join(', ') || '(none)';

/** What a `POST /api/live` body names: a bundle folder, a server pair, or a pair and a folder; a 400 says what to fix. */
export function pickLiveTarget(
  opts: Pick<LiveRoutesOptions, 'sources' | 'serverSources' | 'defaultSource'>,
  source: z.infer<typeof startLiveBodySchema>['source'],
): Pick<LiveRequest, 'sourceName' | 'dir' | 'server'> {
  const servers = opts.serverSources ?? {};
  const folder = (name: string, field: string): string => {
    const dir = opts.sources[name];
    if (dir !== undefined) return dir;
    if (name in servers) throw new InputError(`Invalid ${field} ${JSON.stringify(name)}: it is a ${SERVER_SOURCE_KIND} source, expecting source.kind "${SERVER_SOURCE_KIND}" and source.name ${JSON.stringify(name)}`);
    throw new InputError(`Invalid ${field} ${JSON.stringify(name)}, expecting one of: ${names(opts.sources)}`);
  };
  if (source.kind === 'files') {
    const name = source.name ?? opts.defaultSource;
    return { sourceName: name, dir: folder(name, 'source.name') };
  }
  const serverNames = Object.keys(servers);
  if (serverNames.length === 0) throw new InputError(`Invalid source.kind "${SERVER_SOURCE_KIND}": no such source is configured (the server reads them from --config FILE or ROOTLINE_CONFIG), expecting source.kind "files"`);
  const name = source.name ?? (opts.defaultSource in servers ? opts.defaultSource : serverNames.length === 1 ? serverNames[0] : undefined);
  if (name === undefined) throw new InputError(`Missing source.name, expecting one of: ${names(servers)}`);
  const build = servers[name];
  if (build === undefined) {
    if (name in opts.sources) throw new InputError(`Invalid source.name ${JSON.stringify(name)} for source.kind "${SERVER_SOURCE_KIND}": it is a bundle folder, expecting source.kind "files" (or its name as source.files beside a ${SERVER_SOURCE_KIND} source)`);
    throw new InputError(`Invalid source.name ${JSON.stringify(name)}, expecting one of: ${names(servers)}`);
  }
  return { sourceName: name, dir: source.files === undefined ? '' : folder(source.files, 'source.files'), server: { name, build } };
}

/** `/` of a server with a default live session (`serve --live`): that session's page. */
export function buildLiveRootRedirect(hub: LiveHub): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async (request, reply) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || request.url !== '/') return undefined;
    const session = hub.getDefault();
    return session ? reply.redirect(`/live/${session.id}`, 302) : undefined;
  };
}

/** The session's report for a postmortem (with the notes), or a 404 while nothing was analysed yet. */
function readyReport(session: LiveSession) {
  const report = session.postmortemReport();
  if (!report) throw new NotFoundError(`Live session ${session.id} has not analysed anything yet: no postmortem until data arrives`);
  return report;
}

function toResource(s: LiveSession): z.infer<typeof sessionSchema> {
  const o = s.options;
  return {
    id: s.id,
    source: o.sourceName,
    kind: o.serverSource === undefined ? 'files' : SERVER_SOURCE_KIND,
    followsFiles: o.dir !== '',
    incident: o.incident,
    windowMs: o.windowMs,
    intervalMs: o.intervalMs,
    clock: o.clock,
    page: `/live/${s.id}`,
    events: `/api/live/${s.id}/events`,
    status: s.status(),
  };
}

/** An event id as a client sends it back; undefined when absent or not ours. */
export function parseEventId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * One viewer's stream: what it missed (Last-Event-ID, or `?after=` on the first connection of a
 * page that embeds the state up to that id) or a snapshot, then every new event until it goes.
 */
async function streamEvents(session: LiveSession, request: FastifyRequest, reply: FastifyReply, afterQuery: string | undefined): Promise<void> {
  const header = request.headers['last-event-id'];
  const after = parseEventId(typeof header === 'string' ? header : afterQuery);
  reply.sse.keepAlive();
  reply.sse.sendHeaders();
  const sse = reply.sse;
  // One write at a time (each waits for the socket to drain), the rest queued in order; a viewer
  // whose queue and socket buffer pass the cap is cut off and resumes with Last-Event-ID.
  let chain: Promise<void> = Promise.resolve();
  let queuedBytes = 0;
  const subscriber: Subscriber = {
    send(e) {
      if (!sse.isConnected) return;
      if (queuedBytes + reply.raw.writableLength > MAX_BUFFERED_BYTES) {
        request.log.info({ liveSession: session.id, buffered: queuedBytes + reply.raw.writableLength }, 'live viewer too slow: stream closed, it will resume');
        sse.close();
        return;
      }
      const message = e.id === undefined ? { event: e.type, data: e.json } : { id: String(e.id), event: e.type, data: e.json };
      queuedBytes += e.json.length;
      chain = chain
        .then(() => (sse.isConnected ? sse.send(message) : undefined))
        .catch(() => undefined)
        .finally(() => {
          queuedBytes -= e.json.length;
        });
    },
    close() {
      sse.close();
    },
  };
  const unsubscribe = session.subscribe(subscriber, after);
  sse.onClose(() => {
    unsubscribe();
    request.log.info({ liveSession: session.id }, 'live viewer left');
  });
}
