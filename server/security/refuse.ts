/** Answers a refused request (limits, shutdown) in fastify's error shape, with Retry-After. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { buildHttpError } from '../http-errors.js';

interface Refusal {
  code: string;
  message: string;
  retryAfterS?: number;
}

/**
 * The message is ours and safe to show (it names the limit), so a 503 keeps it instead of the
 * generic 5xx text; the log id is appended as for every 5xx.
 */
export function sendRefusal(request: FastifyRequest, reply: FastifyReply, err: Refusal): FastifyReply {
  const body = buildHttpError(err, request.id);
  const message = body.statusCode >= 500 ? `${err.message} (log id ${request.id})` : body.message;
  if (err.retryAfterS !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))));
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send({ ...body, message });
}
