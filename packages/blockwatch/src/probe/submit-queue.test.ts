import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createSubmitQueue } from './submit-queue.ts';

const root = mkdtempSync(join(tmpdir(), 'bw-queue-'));
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
  rmSync(root, { recursive: true, force: true });
});

/** A collector stand-in: stores what it accepts; `failFirst` requests get `failStatus` (503). */
async function startCollector(port = 0, failFirst = 0, failStatus = 503) {
  const received: unknown[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      calls++;
      if (req.url !== '/api/v1/submit' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      if (calls <= failFirst) {
        res.writeHead(failStatus).end(failStatus === 503 ? 'busy' : '{"message":"body.measurements.0.probe_cc: bad"}');
        return;
      }
      const { measurements } = JSON.parse(body) as { measurements: unknown[] };
      received.push(...measurements);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: measurements.length }));
    });
  });
  servers.push(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, received, port: (server.address() as AddressInfo).port };
}

/** A port with nothing listening on it (yet). */
async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('measurements wait on disk while the collector is down and are sent once it is up', async () => {
  const dir = join(root, 'q1');
  const port = await freePort();
  const queue = createSubmitQueue({ dir, collectorUrl: `http://127.0.0.1:${port}/` });
  queue.enqueue([{ n: 1 }, { n: 2 }]);
  queue.enqueue([{ n: 3 }]);
  assert.equal(queue.pending(), 3);

  // down: nothing is lost, the error says why
  const down = await queue.flush({ budgetMs: 300 });
  assert.equal(down.accepted, 0);
  assert.equal(down.pending, 3);
  assert.match(down.lastError ?? '', /ECONNREFUSED/);

  // comes up while the queue is retrying
  let retries = 0;
  const flushing = queue.flush({
    budgetMs: 20_000,
    onRetry: () => {
      retries++;
    },
  });
  const collector = new Promise<Awaited<ReturnType<typeof startCollector>>>((resolve) => {
    setTimeout(() => resolve(startCollector(port)), 700);
  });
  const r = await flushing;
  const { received } = await collector;
  assert.equal(r.accepted, 3);
  assert.equal(r.pending, 0);
  assert.ok(retries >= 1);
  assert.deepEqual(received, [{ n: 1 }, { n: 2 }, { n: 3 }]); // in order
  assert.deepEqual(readdirSync(dir), []);
});

test('a collector that answers errors is retried with backoff', async () => {
  const { port, received } = await startCollector(0, 2);
  const queue = createSubmitQueue({ dir: join(root, 'q2'), collectorUrl: `http://127.0.0.1:${port}` });
  queue.enqueue([{ n: 1 }]);
  const errors: string[] = [];
  const r = await queue.flush({ budgetMs: 20_000, onRetry: (e) => errors.push(e) });
  assert.equal(r.accepted, 1);
  assert.equal(errors.length, 2);
  assert.match(errors[0], /HTTP 503/);
  assert.deepEqual(received, [{ n: 1 }]);
});

test('a batch the collector refuses (400) is set aside, and the batches after it still go', async () => {
  const { port, received } = await startCollector(0, 1, 400);
  const dir = join(root, 'q4');
  const queue = createSubmitQueue({ dir, collectorUrl: `http://127.0.0.1:${port}` });
  queue.enqueue([{ n: 1 }]);
  queue.enqueue([{ n: 2 }]);
  const retries: string[] = [];
  const r = await queue.flush({ budgetMs: 20_000, onRetry: (e) => retries.push(e) });
  assert.equal(r.accepted, 1);
  assert.equal(r.rejected, 1);
  assert.equal(r.pending, 0);
  assert.deepEqual(retries, []);
  assert.deepEqual(received, [{ n: 2 }]);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.rejected')).length, 1);
});

test('large runs are split into batches', async () => {
  const { port, received } = await startCollector();
  const queue = createSubmitQueue({ dir: join(root, 'q3'), collectorUrl: `http://127.0.0.1:${port}` });
  queue.enqueue(Array.from({ length: 250 }, (_, n) => ({ n })));
  assert.equal(readdirSync(join(root, 'q3')).length, 3);
  const r = await queue.flush();
  assert.equal(r.accepted, 250);
  assert.equal(received.length, 250);
});
