import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthRequiredError, BusyError, ConfigError, ERROR_CLASSES, ForbiddenError, InputError, NotFoundError, ServerUnavailableError, SourceQueryError, SourceUnavailableError, TemplateError, TimeBudgetError } from '../../correlators/errors.js';
import { STATUS_BY_CODE, buildHttpError, buildRouteNotFound } from '../../server/http-errors.js';

test('every error code of the catalogue has a status', () => {
  const probes = [new InputError('x'), new NotFoundError('x'), new SourceUnavailableError('s', 'x'), new SourceQueryError('s', 'q', 'x'), new ConfigError('x'), new TemplateError('x'), new AuthRequiredError('x'), new ForbiddenError('x'), new BusyError('x'), new TimeBudgetError('x'), new ServerUnavailableError('x')];
  assert.equal(probes.length, Object.keys(ERROR_CLASSES).length);
  for (const err of probes) assert.ok(err.code in STATUS_BY_CODE, err.code);
});

test('errors become fastify-shaped bodies; 5xx carry a log id, never the cause', async (t) => {
  const rows: { name: string; err: unknown; expected: object }[] = [
    { name: 'input', err: new InputError('Invalid offset, must be zero or greater'), expected: { statusCode: 400, code: 'RL_ERR_INPUT_INVALID', error: 'Bad Request', message: 'Invalid offset, must be zero or greater' } },
    { name: 'not found', err: new NotFoundError('Analysis a not found'), expected: { statusCode: 404, code: 'RL_ERR_NOT_FOUND', error: 'Not Found', message: 'Analysis a not found' } },
    {
      name: 'source unavailable hides the driver error',
      err: new SourceUnavailableError('prometheus', 'connect ECONNREFUSED 10.0.0.1:9090'),
      expected: { statusCode: 503, code: 'RL_ERR_SOURCE_UNAVAILABLE', error: 'Service Unavailable', message: 'A source could not be read (log id req-1)' },
    },
    { name: 'source query', err: new SourceQueryError('prometheus', 'up{', 'parse error'), expected: { statusCode: 502, code: 'RL_ERR_SOURCE_QUERY', error: 'Bad Gateway', message: 'A source query failed (log id req-1)' } },
    { name: 'template', err: new TemplateError('Template /x failed'), expected: { statusCode: 500, code: 'RL_ERR_TEMPLATE_INVALID', error: 'Internal Server Error', message: 'A template failed to render (log id req-1)' } },
    { name: 'unknown error', err: new Error('secret stack detail'), expected: { statusCode: 500, code: 'RL_ERR_INTERNAL', error: 'Internal Server Error', message: 'Internal server error (log id req-1)' } },
    { name: 'thrown string', err: 'boom', expected: { statusCode: 500, code: 'RL_ERR_INTERNAL', error: 'Internal Server Error', message: 'Internal server error (log id req-1)' } },
    {
      name: "fastify's own 4xx keeps its status and code",
      err: Object.assign(new Error('Unsupported Media Type: text/xml'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }),
      expected: { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', error: 'Unsupported Media Type', message: 'Unsupported Media Type: text/xml' },
    },
  ];
  for (const row of rows) await t.test(row.name, () => assert.deepEqual(buildHttpError(row.err, 'req-1'), row.expected));
});

test('unknown routes', () => {
  assert.deepEqual(buildRouteNotFound('GET', '/x?y=1'), { statusCode: 404, code: 'RL_ERR_NOT_FOUND', error: 'Not Found', message: 'Route GET /x not found' });
});
