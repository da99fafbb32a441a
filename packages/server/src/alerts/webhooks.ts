/**
 * Alerts: webhooks. An administrator registers a URL (optionally narrowed to a country, domain or URL); each time
 * an event opens or closes, blockwatch POSTs a JSON payload signed with the webhook's secret:
 *   X-Blockwatch-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>
 * Failed deliveries (network error, timeout, non-2xx) are retried with exponential backoff and jitter; every
 * attempt is written to `webhook_deliveries`. Deliveries run in the background: detection never waits for them.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { InvalidArgumentError } from 'blockwatch/errors.ts';
import type { EventTransition } from '../events/service.ts';
import { summarizeEvent } from '../events/summarize.ts';
import type { BlockingEvent } from '../events/types.ts';
import type { Logger, Store } from '../store/store.ts';

export interface Webhook {
  id: string;
  url: string;
  secret: string;
  /** Filters; empty = all. */
  probe_cc: string;
  domain: string;
  input: string;
  active: boolean;
  created_ms: number;
}

export interface DeliveryAttempt {
  delivery_id: string;
  webhook_id: string;
  event_id: string;
  change: string;
  attempt: number;
  status_code: number;
  error: string;
  duration_ms: number;
  delivered: boolean;
  time_ms: number;
}

export interface WebhookOptions {
  /** First retry delay; doubles each attempt (default 2 s). */
  baseDelayMs?: number;
  /** Attempts per delivery, the first included (default 8: about 4 minutes of retries at the default delay). */
  maxAttempts?: number;
  /** Per-attempt time limit (default 10 s). */
  timeoutMs?: number;
  log?: Logger;
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function validateWebhookInput(input: { url: string; secret?: string }): void {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new InvalidArgumentError(`url must be an absolute http(s) URL, got '${input.url}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`url must use http or https, got '${url.protocol}'`);
  }
  if (url.username || url.password) throw new InvalidArgumentError('url must not carry credentials; use the secret');
  if (input.secret !== undefined && input.secret.length < 16) {
    throw new InvalidArgumentError('secret must be at least 16 characters');
  }
}

export interface WebhookDispatcher {
  register(input: {
    url: string;
    secret?: string;
    probe_cc?: string;
    domain?: string;
    input?: string;
  }): Promise<Webhook>;
  list(): Promise<Webhook[]>;
  remove(id: string): Promise<boolean>;
  deliveries(webhookId: string, limit?: number): Promise<DeliveryAttempt[]>;
  /** Queues deliveries for the opened/closed transitions (returns at once). */
  dispatch(transitions: EventTransition[]): void;
  /** Resolves when every queued delivery has finished (delivered or given up). */
  idle(): Promise<void>;
  close(): void;
}

export function createWebhookDispatcher(store: Store, options: WebhookOptions = {}): WebhookDispatcher {
  const baseDelayMs = options.baseDelayMs ?? 2000;
  const maxAttempts = options.maxAttempts ?? 8;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const inflight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let cache: Webhook[] | null = null;

  async function load(): Promise<Webhook[]> {
    cache ??= (
      await store.query<Webhook & { created_ms: number | string }>(
        'SELECT webhook_id AS id, url, secret, probe_cc, domain, input, active, created_ms FROM webhooks FINAL WHERE active ORDER BY created_ms',
      )
    ).map((w) => ({ ...w, created_ms: Number(w.created_ms) }));
    return cache;
  }

  async function save(w: Webhook): Promise<void> {
    await store.insertRows('webhooks', [
      {
        webhook_id: w.id,
        url: w.url,
        secret: w.secret,
        probe_cc: w.probe_cc,
        domain: w.domain,
        input: w.input,
        active: w.active,
        created_ms: w.created_ms,
        version: Date.now() * 1000 + Math.floor(Math.random() * 1000),
      },
    ]);
    cache = null;
  }

  const matches = (w: Webhook, e: BlockingEvent) =>
    (!w.probe_cc || w.probe_cc === e.cc) && (!w.domain || w.domain === e.domain) && (!w.input || w.input === e.input);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function deliver(w: Webhook, change: string, event: BlockingEvent): Promise<void> {
    const deliveryId = randomUUID();
    const body = JSON.stringify({
      type: `event.${change}`,
      delivery_id: deliveryId,
      summary: summarizeEvent(event),
      event,
    });
    for (let attempt = 1; attempt <= maxAttempts && !closed; attempt++) {
      const started = Date.now();
      let status = 0;
      let error = '';
      try {
        const response = await fetch(w.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'blockwatch-webhook/0.1',
            'x-blockwatch-event': `event.${change}`,
            'x-blockwatch-delivery': deliveryId,
            'x-blockwatch-signature': signBody(w.secret, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        // The receiver's answer is not needed; do not let a huge body hold the connection.
        await response.body?.cancel();
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        error = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (e.cause?.code ?? e.message);
      }
      const delivered = error === '';
      await store
        .insertRows('webhook_deliveries', [
          {
            delivery_id: deliveryId,
            webhook_id: w.id,
            event_id: event.id,
            change,
            attempt,
            status_code: status,
            error,
            duration_ms: Date.now() - started,
            delivered,
            time_ms: started,
          },
        ])
        .catch((err) => options.log?.error({ err }, 'cannot log a webhook delivery'));
      if (delivered) return;
      if (attempt < maxAttempts) {
        const delay = baseDelayMs * 2 ** (attempt - 1);
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
    options.log?.warn({ webhook: w.id, event: event.id }, 'webhook delivery given up');
  }

  return {
    async register(input) {
      validateWebhookInput(input);
      const w: Webhook = {
        id: `wh_${randomBytes(8).toString('hex')}`,
        url: input.url,
        secret: input.secret ?? randomBytes(24).toString('base64url'),
        probe_cc: input.probe_cc ?? '',
        domain: input.domain ?? '',
        input: input.input ?? '',
        active: true,
        created_ms: Date.now(),
      };
      await save(w);
      return w;
    },
    list: load,
    async remove(id) {
      const w = (await load()).find((x) => x.id === id);
      if (!w) return false;
      await save({ ...w, active: false });
      return true;
    },
    async deliveries(webhookId, limit = 100) {
      return (
        await store.query<DeliveryAttempt>(
          `SELECT * FROM webhook_deliveries WHERE webhook_id = {id:String} ORDER BY time_ms DESC, attempt DESC LIMIT {limit:UInt32}`,
          { id: webhookId, limit },
        )
      ).map((d) => ({ ...d, time_ms: Number(d.time_ms) }));
    },
    dispatch(transitions) {
      // Copies: the detector keeps updating its events while deliveries wait for their retries.
      const wanted = transitions
        .filter((t) => t.change === 'opened' || t.change === 'closed')
        .map((t) => ({ change: t.change, event: structuredClone(t.event) }));
      if (wanted.length === 0 || closed) return;
      const job = load()
        .then(async (hooks) => {
          const runs: Promise<void>[] = [];
          for (const t of wanted)
            for (const w of hooks) if (matches(w, t.event)) runs.push(deliver(w, t.change, t.event));
          await Promise.all(runs);
        })
        .catch((err) => options.log?.error({ err }, 'webhook dispatch failed'))
        .finally(() => inflight.delete(job));
      inflight.add(job);
    },
    async idle() {
      while (inflight.size) await Promise.all([...inflight]);
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
