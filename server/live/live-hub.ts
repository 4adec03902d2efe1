/**
 * The live sessions of a server. A request for a bundle that is already followed with the same
 * settings joins its session: many viewers, one live analysis. The session `serve --live` starts
 * is the default one (the page at `/`).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { BusyError, InputError, NotFoundError } from '../../correlators/errors.js';
import { SERVER_SOURCE_KIND } from '../sources/sources-file.js';
import type { SignalSource } from '../sources/types.js';
import type { NotesStore } from '../store/index.js';
import { LiveSession, type LiveClock, type LiveSessionDeps } from './live-session.js';

export const DEFAULT_LIVE_WINDOW_MS = 30 * 60_000;
export const DEFAULT_LIVE_INTERVAL_MS = 2_000;
export const DEFAULT_MAX_LIVE_SESSIONS = 8;

/** Settings a session takes when its request leaves them out. */
export interface LiveDefaults {
  windowMs: number;
  intervalMs: number;
  clock: LiveClock;
  tz?: string | undefined;
  /** Servers every session polls (Prometheus, Elasticsearch), when configured. */
  polled?: readonly SignalSource[];
  pollIntervalMs?: number | undefined;
}

export interface LiveHubOptions {
  /** Opens the notes store: once, when the first session starts (no file is created before). */
  openNotes: () => NotesStore;
  /** Until the app attaches its own. */
  log?: FastifyBaseLogger;
  defaults: LiveDefaults;
  maxSessions?: number;
  wallMs?: LiveSessionDeps['wallMs'];
}

export interface LiveRequest {
  sourceName: string;
  /** The bundle folder followed; '' for a session that only polls servers (`server`). */
  dir: string;
  /**
   * A configured Prometheus + Elasticsearch pair polled instead of the default servers (the
   * environment's): its name, and how to build its sources (called only when a session starts).
   */
  server?: { name: string; build: () => readonly SignalSource[] } | undefined;
  incident?: string | undefined;
  windowMs?: number | undefined;
  intervalMs?: number | undefined;
  clock?: LiveClock | undefined;
}

export class LiveHub {
  readonly #sessions = new Map<string, LiveSession>();
  #defaultId: string | undefined;
  #notes: NotesStore | undefined;
  #log: FastifyBaseLogger;

  constructor(private readonly options: LiveHubOptions) {
    this.#log = options.log ?? silentLogger();
  }

  /** The app's logger, for sessions started from now on. */
  attachLogger(log: FastifyBaseLogger): void {
    this.#log = log;
  }

  /** The notes store (opened on first use). */
  get notes(): NotesStore {
    this.#notes ??= this.options.openNotes();
    return this.#notes;
  }

  get maxSessions(): number {
    return this.options.maxSessions ?? DEFAULT_MAX_LIVE_SESSIONS;
  }

  /** Joins the session following `dir` with these settings, or starts one. */
  start(request: LiveRequest, asDefault = false): { session: LiveSession; created: boolean } {
    const d = this.options.defaults;
    if (request.dir === '' && !request.server) throw new InputError('A live session follows a bundle folder, a Prometheus + Elasticsearch pair, or both: none was given');
    // Without files there is no data clock: the window ends at the server's clock.
    if (request.dir === '' && request.clock === 'data') {
      throw new InputError(`Invalid clock "data" for ${SERVER_SOURCE_KIND} source ${JSON.stringify(request.server?.name)} without a bundle: the data clock is the newest line of the bundle's files, expecting clock "wall" (or a bundle to follow as well)`);
    }
    const settings = {
      sourceName: request.sourceName,
      dir: request.dir,
      serverSource: request.server?.name,
      incident: request.incident ?? (request.dir === '' && request.server ? `${SERVER_SOURCE_KIND}:${request.server.name}` : `files:${request.dir}`),
      windowMs: request.windowMs ?? d.windowMs,
      intervalMs: request.intervalMs ?? d.intervalMs,
      clock: request.clock ?? (request.dir === '' ? 'wall' : d.clock),
      tz: d.tz,
      pollIntervalMs: d.pollIntervalMs,
    };
    for (const s of this.#sessions.values()) {
      const o = s.options;
      if (o.dir === settings.dir && o.serverSource === settings.serverSource && o.incident === settings.incident && o.windowMs === settings.windowMs && o.intervalMs === settings.intervalMs && o.clock === settings.clock) {
        if (asDefault) this.#defaultId = s.id;
        return { session: s, created: false };
      }
    }
    if (this.#sessions.size >= this.maxSessions) {
      throw new BusyError(`Too many live sessions (${this.maxSessions}): join one of GET /api/live or stop one with DELETE /api/live/:id`, { retryAfterS: 30 });
    }
    const polled = request.server ? request.server.build() : (d.polled ?? []);
    const session = new LiveSession(randomUUID(), { ...settings, polled }, { notes: this.notes, log: this.#log, wallMs: this.options.wallMs });
    this.#sessions.set(session.id, session);
    if (asDefault) this.#defaultId = session.id;
    session.start();
    this.#log.info({ liveSession: session.id, source: settings.sourceName, windowMs: settings.windowMs }, 'live session started');
    return { session, created: true };
  }

  get(id: string): LiveSession | undefined {
    return this.#sessions.get(id);
  }

  /** The session, or NotFoundError. */
  require(id: string): LiveSession {
    const s = this.#sessions.get(id);
    if (!s) throw new NotFoundError(`Live session ${id} not found (GET /api/live lists them)`);
    return s;
  }

  getDefault(): LiveSession | undefined {
    return this.#defaultId === undefined ? undefined : this.#sessions.get(this.#defaultId);
  }

  list(): LiveSession[] {
    return [...this.#sessions.values()];
  }

  /** Stops a session and ends its viewers' streams; false when there is none. */
  async stop(id: string): Promise<boolean> {
    const s = this.#sessions.get(id);
    if (!s) return false;
    this.#sessions.delete(id);
    if (this.#defaultId === id) this.#defaultId = undefined;
    await s.stop();
    return true;
  }

  /** Stops every session and closes the notes store (server shutdown). */
  async close(): Promise<void> {
    await Promise.all(this.list().map((s) => this.stop(s.id)));
    this.#notes?.close();
    this.#notes = undefined;
  }
}

function silentLogger(): FastifyBaseLogger {
  const noop = (): void => undefined;
  const log = { level: 'silent', fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop, silent: noop, child: () => log } as unknown as FastifyBaseLogger;
  return log;
}
