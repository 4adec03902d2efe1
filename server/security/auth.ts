/**
 * Bearer-token access control for the API and the page. Off when no token is configured (the
 * default on loopback; main.ts refuses a non-loopback address without one). GET/HEAD need a read
 * token, everything else a read-write one. A browser opens the page once with `?token=...`: the
 * token moves into an HttpOnly, SameSite=Strict cookie and the address bar loses it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthRequiredError, ForbiddenError } from '../../correlators/errors.js';
import { buildHttpError } from '../http-errors.js';
import { digestToken, type Role, type TokenEntry } from './config.js';

export const AUTH_COOKIE = 'rootline_token';
export const TOKEN_QUERY_PARAM = 'token';

/** Reachable without a token: probes for the orchestrator. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The role of `token`, comparing digests in constant time against every entry. */
export function findTokenRole(tokens: readonly TokenEntry[], token: string): Role | undefined {
  const digest = Buffer.from(digestToken(token), 'hex');
  let role: Role | undefined;
  for (const t of tokens) {
    // every entry is compared: the time does not tell which one matched
    if (timingSafeEqual(Buffer.from(t.digest, 'hex'), digest) && role !== 'write') role = t.role;
  }
  return role;
}

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function bearerOf(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The request URL without the token query parameter (for the redirect and for logs). */
export function stripTokenParam(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  params.delete(TOKEN_QUERY_PARAM);
  const rest = params.toString();
  return rest ? `${url.slice(0, q)}?${rest}` : url.slice(0, q);
}

function queryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(TOKEN_QUERY_PARAM) ?? undefined;
}

async function refuse(request: FastifyRequest, reply: FastifyReply, err: Error): Promise<FastifyReply> {
  const body = buildHttpError(err, request.id);
  if (body.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="rootline"');
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

/** Adds the access-control hook to the root instance (every route, the 404 handler included). */
export function installAuth(app: FastifyInstance, tokens: readonly TokenEntry[]): void {
  if (tokens.length === 0) return;
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (PUBLIC_PATHS.has(path)) return;
    const need: Role = READ_METHODS.has(request.method) ? 'read' : 'write';

    // A page opened with ?token=: check it, keep it in a cookie, and send the browser to the clean URL.
    const fromQuery = request.method === 'GET' && !path.startsWith('/api/') ? queryToken(request.url) : undefined;
    if (fromQuery !== undefined) {
      if (findTokenRole(tokens, fromQuery) === undefined) return refuse(request, reply, new AuthRequiredError('Invalid access token in the token parameter'));
      const secure = request.protocol === 'https' ? '; Secure' : '';
      return reply
        .code(303)
        .header('set-cookie', `${AUTH_COOKIE}=${encodeURIComponent(fromQuery)}; HttpOnly; SameSite=Strict; Path=/${secure}`)
        .header('cache-control', 'no-store')
        .header('location', stripTokenParam(request.url))
        .send();
    }

    const token = bearerOf(request) ?? readCookie(request.headers.cookie, AUTH_COOKIE);
    if (token === undefined) {
      return refuse(request, reply, new AuthRequiredError('Missing access token: send "Authorization: Bearer <token>" (or open the page once with ?token=<token>)'));
    }
    const role = findTokenRole(tokens, token);
    if (role === undefined) return refuse(request, reply, new AuthRequiredError('Invalid access token'));
    if (need === 'write' && role !== 'write') {
      return refuse(request, reply, new ForbiddenError(`This token is read-only: ${request.method} ${path.slice(0, 200)} needs a read-write token`));
    }
  });
}
