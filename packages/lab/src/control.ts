/**
 * The control channel between the `lab` command and its daemons: JSON over HTTP on a Unix socket in the state
 * directory. Path sockets work across network namespaces (the file system is shared), so the command on the host
 * can reconfigure a daemon inside a namespace and get a definite answer (applied, or an error) instead of a
 * fire-and-forget signal.
 */
import { existsSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import { BlockwatchError } from 'blockwatch/errors.ts';

export type ControlHandler = (method: string, path: string, body: unknown) => Promise<unknown>;

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function serveControl(socketPath: string, handler: ControlHandler): Promise<http.Server> {
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const result = await handler(req.method ?? 'GET', req.url ?? '/', text ? JSON.parse(text) : undefined);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? { ok: true }));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return server;
}

/** Calls a daemon; throws BW_ERR_LAB with the daemon's own error message when it refuses. */
export function callControl<T = unknown>(
  socketPath: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers: payload ? { 'content-type': 'application/json' } : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = { error: text };
          }
          if (res.statusCode === 200) resolve(json as T);
          else
            reject(
              new BlockwatchError(
                'BW_ERR_LAB',
                `daemon at ${socketPath} refused ${method} ${path}: ${(json as { error?: string })?.error ?? res.statusCode}`,
              ),
            );
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(new BlockwatchError('BW_ERR_LAB', `cannot reach daemon at ${socketPath}: ${err.message}`)),
    );
    req.end(payload);
  });
}
