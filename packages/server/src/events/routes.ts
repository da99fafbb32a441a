/**
 * The HTTP face of event detection, alerts and registries (one route plugin, registered by the app builder):
 *   GET  /api/v1/events                 list (filters, paging)        GET /api/v1/events/{id}   one, with evidence
 *   GET  /api/v1/history                "since when is this blocked here?", per-network timelines
 *   GET  /api/v1/feeds/events.atom      Atom feed per country, domain or URL
 *   GET  /api/v1/registry/compare       official registry versus observations
 *   admin: POST /api/v1/admin/events/rebuild, webhooks (POST/GET/DELETE, deliveries), POST /api/v1/admin/registry/import
 * It also starts the event service (follows stored batches) and the webhook dispatcher, and stops them on close.
 */
import { BLOCKING_METHODS } from 'blockwatch/model';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderAtomFeed } from '../alerts/atom.ts';
import { createWebhookDispatcher, type WebhookDispatcher, type WebhookOptions } from '../alerts/webhooks.ts';
import type { ServerContext } from '../api/context.ts';
import type { EventJson } from '../api/contract.ts';
import { HttpError } from '../api/http-errors.ts';
import { parseTime } from '../api/params.ts';
import '../api/route-doc.ts';
import { parseRegistry, type RegistryFormat } from '../registry/parse.ts';
import { compareWithObservations, importRegistry } from '../registry/registry-store.ts';
import { type EventFilter, getEvent, listEvents, readTargetObservations } from './event-store.ts';
import { buildHistory } from './history.ts';
import { timeMsOf } from './observation.ts';
import { remoteEvidence } from './remote-evidence.ts';
import { createEventService, type EventService } from './service.ts';
import { serviceNameOf, testNameOfSubject } from './subject.ts';
import { summarizeEvent } from './summarize.ts';
import type { BlockingEvent, DetectorParams } from './types.ts';

const TIME = '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z?)?$';
const CC = { type: 'string', pattern: '^[A-Z]{2}$', description: 'country code (KZ)' } as const;
const ASN = { type: 'string', pattern: '^(AS)?\\d{1,10}$', description: 'network (AS9198 or 9198)' } as const;
const DOMAIN = { type: 'string', pattern: '^[A-Za-z0-9.:_-]{1,253}$', description: 'domain name' } as const;
const INPUT = {
  type: 'string',
  maxLength: 2048,
  description: 'the exact URL, or a messaging service: telegram, whatsapp, signal',
} as const;
const EVENT_ID = { type: 'string', pattern: '^ev_[0-9a-f]{16}$' } as const;

export interface EventsPluginOptions {
  params?: Partial<DetectorParams>;
  webhooks?: WebhookOptions;
  /** Called once the service and dispatcher run (tests hold on to them). */
  onReady?: (parts: { service: EventService; webhooks: WebhookDispatcher }) => void;
}

const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** The event as sent: its sentence, its link, and which test measured its subject (and the service's name). */
function eventJson(e: BlockingEvent, base: string): EventJson {
  return {
    ...e,
    summary: summarizeEvent(e),
    url: `${base}/api/v1/events/${e.id}`,
    test_name: testNameOfSubject(e.input),
    service: serviceNameOf(e.input),
  };
}

function toEventFilter(q: Record<string, string | undefined>): EventFilter {
  const filter: EventFilter = {};
  if (q.probe_cc) filter.probe_cc = q.probe_cc;
  if (q.probe_asn) filter.probe_asn = Number(q.probe_asn.replace(/^AS/, ''));
  if (q.domain) filter.domain = q.domain.toLowerCase();
  if (q.input) filter.input = q.input;
  if (q.method) filter.method = q.method;
  if (q.since) filter.sinceMs = timeMsOf(parseTime('since', q.since));
  if (q.until) filter.untilMs = timeMsOf(parseTime('until', q.until));
  if (q.status === 'open' || q.status === 'closed') filter.status = q.status;
  if (filter.sinceMs !== undefined && filter.untilMs !== undefined && filter.sinceMs >= filter.untilMs) {
    throw new HttpError(400, 'FST_ERR_VALIDATION', "query parameter 'since' must be before 'until'");
  }
  return filter;
}

export function createEventsPlugin(options: EventsPluginOptions = {}) {
  return async function eventsPlugin(app: FastifyInstance, context: ServerContext): Promise<void> {
    const { store, requireAdmin } = context;
    const service = createEventService(store, { log: app.log, params: options.params });
    const webhooks = createWebhookDispatcher(store, { log: app.log, ...options.webhooks });
    service.onTransition((transitions) => webhooks.dispatch(transitions));
    await service.start({ background: true });
    app.addHook('onClose', async () => {
      service.stop();
      webhooks.close();
    });
    options.onReady?.({ service, webhooks });
    const admin = { onRequest: async (request: FastifyRequest) => requireAdmin(request) };

    app.get(
      '/api/v1/events',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              probe_cc: CC,
              probe_asn: ASN,
              domain: DOMAIN,
              input: INPUT,
              method: { type: 'string', enum: [...BLOCKING_METHODS] },
              since: { type: 'string', pattern: TIME, description: 'events still open at or after this time (UTC)' },
              until: { type: 'string', pattern: TIME, description: 'events that began before this time (UTC)' },
              status: { type: 'string', enum: ['open', 'closed'] },
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
              offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
            },
          },
        },
        config: {
          doc: {
            summary: 'Blocking events (onset/end brackets, networks, methods, confidence), newest onset first',
            tags: ['events'],
          },
        },
      },
      async (request) => {
        const q = request.query as Record<string, string | undefined> & { limit: number; offset: number };
        const { events, total } = await listEvents(store, toEventFilter(q), { limit: q.limit, offset: q.offset });
        const base = origin(request);
        let nextUrl: string | null = null;
        if (q.offset + events.length < total) {
          const params = new URLSearchParams(request.query as Record<string, string>);
          params.set('offset', String(q.offset + q.limit));
          nextUrl = `${base}/api/v1/events?${params}`;
        }
        return {
          metadata: { count: total, limit: q.limit, offset: q.offset, next_url: nextUrl },
          results: events.map((e) => eventJson(e, base)),
        };
      },
    );

    app.get(
      '/api/v1/events/:id',
      {
        schema: { params: { type: 'object', properties: { id: EVENT_ID } } },
        config: { doc: { summary: 'One event with the measurement ids that are its evidence', tags: ['events'] } },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const found = await getEvent(store, id);
        if (!found) throw new HttpError(404, 'BW_HTTP_NOT_FOUND', `no event '${id}'`);
        const base = origin(request);
        const remote = await remoteEvidence(store, found.event);
        return {
          ...eventJson(found.event, base),
          // measurements from outside the networks (docs/remote.md), beside the in-network evidence
          remote_evidence: remote.rows.map((r) => ({
            ...r,
            probe_asn: `AS${r.probe_asn}`,
            measurement_url: `${base}/api/v1/measurements/${encodeURIComponent(r.measurement_uid)}`,
          })),
          corroborated_by_remote: remote.corroborated.map((asn) => `AS${asn}`),
          evidence: found.evidence.map((e) => ({
            measurement_uid: e.measurementId,
            probe_asn: `AS${e.asn}`,
            measurement_start_time: new Date(e.timeMs).toISOString(),
            role: e.role,
            measurement_url: `${base}/api/v1/measurements/${encodeURIComponent(e.measurementId)}`,
          })),
        };
      },
    );

    app.get(
      '/api/v1/history',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['probe_cc'],
            properties: { probe_cc: CC, input: INPUT, domain: DOMAIN },
          },
        },
        config: {
          doc: {
            summary: 'Since when is a URL (or domain) blocked in a country: the answer and per-network timelines',
            tags: ['events'],
          },
        },
      },
      async (request) => {
        const q = request.query as { probe_cc: string; input?: string; domain?: string };
        if (!q.input === !q.domain) {
          throw new HttpError(
            400,
            'FST_ERR_VALIDATION',
            "give exactly one of the query parameters 'input' and 'domain'",
          );
        }
        const target = q.input
          ? { cc: q.probe_cc, input: q.input }
          : { cc: q.probe_cc, domain: q.domain!.toLowerCase() };
        const [observations, events] = await Promise.all([
          readTargetObservations(store, target),
          listAll(store, { probe_cc: q.probe_cc, ...(q.input ? { input: q.input } : { domain: target.domain }) }),
        ]);
        const history = buildHistory(target, observations, events);
        const base = origin(request);
        return { ...history, events: history.events.map((e) => eventJson(e, base)) };
      },
    );

    app.get(
      '/api/v1/feeds/events.atom',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { probe_cc: CC, domain: DOMAIN, input: INPUT },
          },
        },
        config: {
          doc: {
            summary: 'Atom 1.0 feed of blocking events (opened and closed), per country, domain or URL',
            tags: ['alerts'],
            produces: ['application/atom+xml'],
          },
        },
      },
      async (request, reply) => {
        const q = request.query as { probe_cc?: string; domain?: string; input?: string };
        const filter: EventFilter = {};
        if (q.probe_cc) filter.probe_cc = q.probe_cc;
        if (q.domain) filter.domain = q.domain.toLowerCase();
        if (q.input) filter.input = q.input;
        const { events } = await listEvents(store, filter, { limit: 50, offset: 0 }, 'updated');
        const base = origin(request);
        const scope =
          [q.probe_cc, q.domain && `domain ${q.domain}`, q.input && `URL ${q.input}`].filter(Boolean).join(', ') ||
          'all';
        const params = new URLSearchParams(q as Record<string, string>).toString();
        const xml = renderAtomFeed(events, {
          scope,
          selfUrl: `${base}/api/v1/feeds/events.atom${params ? `?${params}` : ''}`,
          baseUrl: base,
          nowMs: Date.now(),
        });
        return reply.type('application/atom+xml; charset=utf-8').send(xml);
      },
    );

    app.get(
      '/api/v1/registry/compare',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['probe_cc'],
            properties: { probe_cc: CC, window_days: { type: 'integer', minimum: 1, maximum: 3650, default: 30 } },
          },
        },
        config: {
          doc: {
            summary:
              'Official registry versus observations: listed and blocked, listed but reachable, blocked but not listed, per-network compliance',
            tags: ['registry'],
          },
        },
      },
      async (request) => {
        const q = request.query as { probe_cc: string; window_days: number };
        return compareWithObservations(store, q.probe_cc, q.window_days);
      },
    );

    // ---- administrative ----

    app.post(
      '/api/v1/admin/events/rebuild',
      {
        ...admin,
        config: { doc: { summary: 'Rebuild all events from the stored measurements', tags: ['events'], admin: true } },
      },
      async () => service.rebuild(),
    );

    app.post(
      '/api/v1/admin/webhooks',
      {
        ...admin,
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['url'],
            properties: {
              url: { type: 'string', maxLength: 2048 },
              secret: { type: 'string', minLength: 16, maxLength: 256 },
              probe_cc: CC,
              domain: DOMAIN,
              input: INPUT,
            },
          },
        },
        config: {
          doc: {
            summary: 'Register a webhook (JSON POST per opened/closed event, X-Blockwatch-Signature: sha256=HMAC)',
            tags: ['alerts'],
            admin: true,
          },
        },
      },
      async (request, reply) => {
        const w = await webhooks.register(request.body as { url: string });
        return reply.code(201).send(w);
      },
    );

    app.get(
      '/api/v1/admin/webhooks',
      { ...admin, config: { doc: { summary: 'Registered webhooks', tags: ['alerts'], admin: true } } },
      async () => ({ results: (await webhooks.list()).map(({ secret: _secret, ...w }) => w) }),
    );

    app.delete(
      '/api/v1/admin/webhooks/:id',
      {
        ...admin,
        schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^wh_[0-9a-f]{16}$' } } } },
        config: { doc: { summary: 'Deactivate a webhook', tags: ['alerts'], admin: true } },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        if (!(await webhooks.remove(id))) throw new HttpError(404, 'BW_HTTP_NOT_FOUND', `no webhook '${id}'`);
        return { removed: id };
      },
    );

    app.get(
      '/api/v1/admin/webhooks/:id/deliveries',
      {
        ...admin,
        schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^wh_[0-9a-f]{16}$' } } } },
        config: { doc: { summary: 'Delivery log of a webhook (every attempt)', tags: ['alerts'], admin: true } },
      },
      async (request) => ({ results: await webhooks.deliveries((request.params as { id: string }).id) }),
    );

    // Registry files are sent as they are (CSV or the dump, possibly windows-1251): raw bytes, parsed here.
    app.addContentTypeParser(
      ['text/csv', 'text/plain', 'application/octet-stream'],
      { parseAs: 'buffer', bodyLimit: 512 * 1024 * 1024 },
      (_request, body, done) => done(null, body),
    );
    app.post(
      '/api/v1/admin/registry/import',
      {
        ...admin,
        bodyLimit: 512 * 1024 * 1024,
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['probe_cc', 'format'],
            properties: {
              probe_cc: CC,
              format: { type: 'string', enum: ['csv', 'ru-dump'] },
              list: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
            },
          },
        },
        config: {
          doc: {
            summary: 'Import an official blocklist (body: the file; replaces the named list of the country)',
            tags: ['registry'],
            admin: true,
          },
        },
      },
      async (request) => {
        const q = request.query as { probe_cc: string; format: RegistryFormat; list?: string };
        if (!Buffer.isBuffer(request.body)) {
          throw new HttpError(
            400,
            'BW_HTTP_BAD_REQUEST',
            'send the file as the body, Content-Type text/csv or application/octet-stream',
          );
        }
        const entries = parseRegistry(request.body, q.format, 'body');
        return importRegistry(store, q.probe_cc, q.list ?? q.format, entries);
      },
    );
  };
}

async function listAll(store: ServerContext['store'], filter: EventFilter): Promise<BlockingEvent[]> {
  const out: BlockingEvent[] = [];
  for (let offset = 0; offset < 10_000; offset += 1000) {
    const page = await listEvents(store, filter, { limit: 1000, offset });
    out.push(...page.events);
    if (page.events.length < 1000) break;
  }
  return out;
}

/** The plugin the app builder registers. */
export const eventsPlugin = createEventsPlugin();
