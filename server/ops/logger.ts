/**
 * Options of fastify's logger (pino): structured JSON on stdout, and secrets never written. The
 * request URL loses its `token` parameter (a browser's first visit carries one); headers are not
 * logged at all, and the paths below are redacted should a handler log an object that has them.
 */
import type { FastifyServerOptions } from 'fastify';
import { stripTokenParam } from '../security/auth.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'password',
  'apiKey',
];

interface RequestLike {
  method: string;
  url: string;
  id?: string;
  ip?: string;
}

export function buildLoggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: RequestLike) {
        return { id: req.id, method: req.method, url: stripTokenParam(req.url), remoteAddress: req.ip };
      },
    },
  };
}
