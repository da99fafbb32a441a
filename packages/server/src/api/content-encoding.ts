/**
 * Compressed request bodies: `Content-Encoding: gzip` is inflated on the way in, and the inflated size is held
 * to the same body limit as a plain body (413 past it: a small "zip bomb" cannot fill the memory). Any other
 * encoding is refused with 415, naming it, instead of failing later as unreadable JSON.
 */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.ts';

export function installContentEncoding(app: FastifyInstance, bodyLimitBytes: number): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const header = request.headers['content-encoding'];
    const encoding = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
    if (encoding === '' || encoding === 'identity') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw new HttpError(
        415,
        'BW_HTTP_UNSUPPORTED_ENCODING',
        `Content-Encoding '${encoding.slice(0, 40)}' is not supported (use gzip or none)`,
      );
    }
    const gunzip = createGunzip();
    // fastify compares what it reads with Content-Length through this property, and bounds both by the limit.
    const inflating = gunzip as typeof gunzip & { receivedEncodedLength: number };
    inflating.receivedEncodedLength = 0;
    let inflated = 0;
    payload.on('data', (chunk: Buffer) => {
      inflating.receivedEncodedLength += chunk.length;
    });
    gunzip.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > bodyLimitBytes) {
        payload.unpipe(gunzip);
        payload.resume();
        gunzip.destroy(
          new HttpError(413, 'BW_HTTP_TOO_LARGE', `the inflated body is larger than ${bodyLimitBytes} bytes`),
        );
      }
    });
    payload.on('error', (err) => gunzip.destroy(err));
    // fastify answers the error; once it has stopped reading (its own limit hit first) nobody else listens.
    gunzip.on('error', () => {});
    return (payload as Readable).pipe(gunzip);
  });
}
