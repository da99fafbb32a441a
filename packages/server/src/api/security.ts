/**
 * Response headers on every answer (a strict Content-Security-Policy for the web UI, nosniff, no framing,
 * no referrer), per-client rate limiting, and the admin-token check.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createRateLimiter, type RateLimitOptions } from '../collector/rate-limit.ts';
import { HttpError, sendError } from './http-errors.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}

export function installRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  const limiter = createRateLimiter(options);
  app.addHook('onRequest', async (request, reply) => {
    // request.ip is the socket's address (proxy headers are not trusted); it only feeds a salted hash.
    const waitS = limiter.take(request.ip);
    if (waitS > 0) {
      reply.header('retry-after', String(waitS));
      return sendError(reply, 429, 'BW_HTTP_RATE_LIMITED', `too many requests; retry in ${waitS} s`);
    }
  });
}

/** Returns the check administrative routes run first. */
export function createAdminCheck(adminToken: string | undefined): (request: FastifyRequest) => void {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = adminToken ? digest(adminToken) : null;
  return (request) => {
    if (!expected) {
      throw new HttpError(
        403,
        'BW_HTTP_FORBIDDEN',
        'administrative endpoints are disabled: start the server with --admin-token',
      );
    }
    const header = request.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    if (!token || !timingSafeEqual(digest(token), expected)) {
      throw new HttpError(401, 'BW_HTTP_UNAUTHORIZED', 'this endpoint needs Authorization: Bearer <admin token>');
    }
  };
}
