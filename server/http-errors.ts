/**
 * The one place where errors become HTTP: error code -> status, and the reply body in fastify's
 * shape `{ statusCode, code, error, message }`. Called from the app's error and not-found handlers
 * and for failed analyses. 4xx messages tell the user what to fix; 5xx messages carry only a log
 * id, the full error goes to the log (never a driver's error text to the client).
 */
import { STATUS_CODES } from 'node:http';
import { hasZodFastifySchemaValidationErrors } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { ErrorCode } from '../correlators/errors.js';

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  RL_ERR_INPUT_INVALID: 400,
  RL_ERR_NOT_FOUND: 404,
  RL_ERR_SOURCE_UNAVAILABLE: 503,
  RL_ERR_SOURCE_QUERY: 502,
  RL_ERR_CONFIG_INVALID: 500,
  RL_ERR_TEMPLATE_INVALID: 500,
  RL_ERR_AUTH_REQUIRED: 401,
  RL_ERR_AUTH_FORBIDDEN: 403,
  RL_ERR_LIMIT_BUSY: 429,
  RL_ERR_LIMIT_TIME: 503,
  RL_ERR_SERVER_UNAVAILABLE: 503,
};

/** What the user reads for a 5xx, per code; the details are in the log under the log id. */
const PUBLIC_5XX_MESSAGES: Readonly<Record<string, string>> = {
  RL_ERR_SOURCE_UNAVAILABLE: 'A source could not be read',
  RL_ERR_SOURCE_QUERY: 'A source query failed',
  RL_ERR_CONFIG_INVALID: 'The server configuration is invalid',
  RL_ERR_TEMPLATE_INVALID: 'A template failed to render',
  RL_ERR_LIMIT_TIME: 'The analysis ran past its time budget and was cancelled',
  RL_ERR_SERVER_UNAVAILABLE: 'The server cannot take this request now (shutting down or at its connection limit); retry later',
};

export const INTERNAL_ERROR_CODE = 'RL_ERR_INTERNAL';

export const httpErrorSchema = z.object({
  statusCode: z.number().int(),
  code: z.string(),
  error: z.string(),
  message: z.string(),
});
export type HttpError = z.infer<typeof httpErrorSchema>;

/** Validation context fastify gives (`body`, `querystring`, `params`, `headers`). */
type ValidationContext = string | undefined;

/** Maps anything thrown to the reply body. `logId` goes into 5xx messages. */
export function buildHttpError(err: unknown, logId: string): HttpError {
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown; validationContext?: ValidationContext };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = e.validationContext ?? 'request';
    const issues = err.validation.map((v) => {
      const field = [where, ...v.instancePath.split('/').filter(Boolean)].join('.');
      return `${field}: ${v.message}`;
    });
    return body(400, 'RL_ERR_INPUT_INVALID', `Invalid request: ${issues.join('; ')}`);
  }
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code !== undefined && code in STATUS_BY_CODE) {
    const status = STATUS_BY_CODE[code as ErrorCode];
    if (status < 500) return body(status, code, message);
    return body(status, code, `${PUBLIC_5XX_MESSAGES[code] ?? 'Internal server error'} (log id ${logId})`);
  }
  // Fastify's own errors (bad JSON, wrong media type, body too large) carry a status and a safe message.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return body(e.statusCode, code ?? 'RL_ERR_INPUT_INVALID', message);
  }
  const status = typeof e.statusCode === 'number' && e.statusCode >= 500 && e.statusCode < 600 ? e.statusCode : 500;
  return body(status, INTERNAL_ERROR_CODE, `Internal server error (log id ${logId})`);
}

/** 404 for an unknown route. */
export function buildRouteNotFound(method: string, url: string): HttpError {
  return body(404, 'RL_ERR_NOT_FOUND', `Route ${method} ${url.split('?')[0] ?? url} not found`);
}

function body(statusCode: number, code: string, message: string): HttpError {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}
