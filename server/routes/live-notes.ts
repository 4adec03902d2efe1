/**
 * `/api/live/:id/notes`: responders' notes and marks on a live session's timeline, stored durably
 * and pushed to every viewer. Note text is untrusted: stored as given, escaped wherever shown.
 */
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import { InputError, NotFoundError } from '../../correlators/errors.js';
import { isoTimeSchema, parseIsoUtcMs } from '../config.js';
import { httpErrorSchema } from '../http-errors.js';
import type { LiveHub } from '../live/index.js';
import { noteSchema, type NewNote } from '../store/index.js';
import { liveIdParamsSchema } from './live.js';

export const newNoteBodySchema = z
  .object({
    text: z.string().trim().min(1, 'Invalid text, expecting the note (1 to 2000 characters)').max(2000, 'Invalid text, expecting at most 2000 characters'),
    author: z.string().trim().max(80, 'Invalid author, expecting at most 80 characters').optional(),
    /** Marks this timeline entry: the note goes at its time. */
    entryId: z.string().regex(/^[A-Za-z0-9~-]{1,64}$/, 'Invalid entryId, expecting the id of a timeline entry').optional(),
    /** Where the note goes without an entry; default: the session's clock (the newest data). */
    at: isoTimeSchema.optional(),
  })
  .strict();

const errors = { 400: httpErrorSchema, 404: httpErrorSchema, '4xx': httpErrorSchema, '5xx': httpErrorSchema };

export const liveNotesRoutes: FastifyPluginAsyncZod<{ hub: LiveHub }> = async (app, opts) => {
  const { hub } = opts;

  app.get('/api/live/:id/notes', { schema: { params: liveIdParamsSchema, response: { 200: z.object({ notes: z.array(noteSchema) }), ...errors } } }, async (request) => ({
    notes: hub.require(request.params.id).notes(),
  }));

  app.post(
    '/api/live/:id/notes',
    { schema: { params: liveIdParamsSchema, body: newNoteBodySchema, response: { 201: noteSchema, ...errors } } },
    async (request, reply) => {
      const session = hub.require(request.params.id);
      const body = request.body;
      let note: NewNote;
      if (body.entryId !== undefined) {
        const entry = session.findEntry(body.entryId);
        if (!entry) throw new InputError(`Invalid entryId ${JSON.stringify(body.entryId)}: no such entry in the live timeline`);
        note = { atMs: entry.atMs, author: body.author ?? '', text: body.text, entry: { id: entry.id, lane: entry.lane, title: entry.title } };
      } else {
        const atMs = body.at !== undefined ? parseIsoUtcMs(body.at) : session.clockMs;
        note = { atMs: atMs ?? Date.now(), author: body.author ?? '', text: body.text, entry: null };
      }
      const saved = session.addNote(note);
      request.log.info({ liveSession: session.id, note: saved.id }, 'note added');
      return reply.code(201).header('location', `/api/live/${session.id}/notes/${saved.id}`).send(saved);
    },
  );

  app.delete(
    '/api/live/:id/notes/:noteId',
    {
      schema: {
        params: liveIdParamsSchema.extend({ noteId: z.coerce.number().int('Invalid noteId, expecting a note id').min(1, 'Invalid noteId, expecting a note id') }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const session = hub.require(request.params.id);
      if (!session.deleteNote(request.params.noteId)) throw new NotFoundError(`Note ${request.params.noteId} not found in live session ${session.id}`);
      return reply.code(204).send(null);
    },
  );
};
