/**
 * Every error the HTTP API answers is JSON `{statusCode, code, error, message}` (fastify's shape), the message
 * naming what is wrong. Codes: fastify's own (FST_ERR_*), blockwatch's (BW_ERR_*) for errors raised below the
 * API, and the HTTP-only ones below.
 */
import { STATUS_CODES } from 'node:http';
import { BlockwatchError } from 'blockwatch/errors.ts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const HTTP_ERROR_CODES = {
  BW_HTTP_BAD_REQUEST: 'the request is malformed (bad JSON, bad UTF-8, wrong shape)',
  BW_HTTP_NOT_FOUND: 'no such resource',
  BW_HTTP_RATE_LIMITED: 'too many requests from this client; retry after the Retry-After seconds',
  BW_HTTP_UNAUTHORIZED: 'an administrative endpoint needs the admin token (Authorization: Bearer …)',
  BW_HTTP_FORBIDDEN: 'administrative endpoints are disabled (the server was started without --admin-token)',
  BW_HTTP_UNAVAILABLE: 'the store is unavailable or a query took too long',
  BW_HTTP_UNSUPPORTED_ENCODING: 'the request body has a Content-Encoding other than gzip',
  BW_HTTP_UNSUPPORTED_CHARSET: 'the request body is declared in a charset other than UTF-8',
  BW_HTTP_TOO_LARGE: 'the request body, once inflated, is larger than the body limit',
} as const;
export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: HttpErrorCode | string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  return reply
    .code(statusCode)
    .type('application/json; charset=utf-8')
    .send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

/** Turns ajv errors into one message that names the parameter and the rule. */
export function formatSchemaErrors(
  errors: { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }[],
  dataVar: string,
): Error {
  const e = errors[0]!;
  const where = dataVar === 'querystring' ? 'query parameter' : dataVar === 'params' ? 'path parameter' : dataVar;
  const name = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  let message: string;
  if (e.keyword === 'additionalProperties') message = `unknown ${where} '${String(e.params.additionalProperty)}'`;
  else if (e.keyword === 'required') message = `missing ${where} '${String(e.params.missingProperty)}'`;
  else if (e.keyword === 'enum') {
    message = `${where} '${name}' must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  } else message = `${where} '${name}' ${e.message ?? 'is invalid'}`;
  return new Error(message);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) return sendError(reply, err.statusCode, err.code, err.message);
    if (BlockwatchError.is(err)) {
      if (err.code === 'BW_ERR_INVALID_INPUT' || err.code === 'BW_ERR_INVALID_ARG') {
        return sendError(reply, 400, err.code, err.message);
      }
      if (err.code === 'BW_ERR_NOT_FOUND') return sendError(reply, 404, err.code, err.message);
      if (err.code === 'BW_ERR_STORE') {
        request.log.error({ err }, 'store error');
        const timeout = /TIMEOUT_EXCEEDED|max_execution_time|Timeout exceeded/i.test(err.message);
        return sendError(
          reply,
          503,
          'BW_HTTP_UNAVAILABLE',
          timeout ? 'the query took too long; narrow the filters' : 'the store is unavailable',
        );
      }
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err }, 'internal error');
      return sendError(reply, 500, 'BW_HTTP_INTERNAL', 'internal error');
    }
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = 'request body is larger than the limit';
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = `unsupported content type; send application/json`;
    return sendError(reply, status, err.code ?? 'BW_HTTP_BAD_REQUEST', message);
  });
}
