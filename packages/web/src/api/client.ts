/**
 * The typed API client. Every call resolves (never rejects) to a `Loaded<T>`, so a page renders an empty state
 * when this server does not offer an endpoint (404 route, or the SPA's HTML instead of JSON) and a precise
 * message on errors (the server's `{statusCode, code, error, message}` body).
 */
import { toQueryString } from '../router.ts';
import * as normalize from './normalize.ts';
import type {
  Aggregation,
  CountryRow,
  CoverageDay,
  EventRow,
  History,
  Loaded,
  MeasurementDetail,
  MeasurementPage,
  NetworkRow,
  Overview,
  Tables,
} from './types.ts';

export type Params = Record<string, string | number | boolean | null | undefined>;

const TIMEOUT_MS = 30_000;

/** The URL of an API call, also shown to users as the query behind a table or chart. */
export function apiUrl(path: string, params: Params = {}): string {
  return `/api/v1/${path}${toQueryString(params)}`;
}

export async function getJson(path: string, params: Params = {}, signal?: AbortSignal): Promise<Loaded<unknown>> {
  const url = apiUrl(path, params);
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (signal?.aborted) return { state: 'loading' };
    const name = (err as Error).name;
    return { state: 'error', message: name === 'TimeoutError' ? `no answer from ${url} within 30 s` : String(err) };
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return { state: 'missing', path: url };
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { state: 'error', message: `${url} answered with malformed JSON`, status: response.status };
  }
  if (response.ok) return { state: 'ok', data: body };
  const message = normalize.isObject(body) && typeof body.message === 'string' ? body.message : response.statusText;
  // Fastify's answer for a route it does not have: the endpoint is not there (yet), not an error in the query.
  if (response.status === 404 && /^Route \w+:.* not found$/.test(message)) return { state: 'missing', path: url };
  return { state: 'error', message, status: response.status };
}

function mapLoaded<T>(loaded: Loaded<unknown>, convert: (data: unknown) => T): Loaded<T> {
  return loaded.state === 'ok' ? { state: 'ok', data: convert(loaded.data) } : loaded;
}

/** OONI's measurement filters (probe_cc, probe_asn, domain, input, since, anomaly, …) plus paging. */
export type MeasurementQuery = Params & { offset?: number; limit?: number };

export const api = {
  async measurements(query: MeasurementQuery, signal?: AbortSignal): Promise<Loaded<MeasurementPage>> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    const loaded = await getJson('measurements', { ...query, offset, limit }, signal);
    return mapLoaded(loaded, (d) => normalize.measurementPage(d, offset, limit));
  },
  async measurement(uid: string, signal?: AbortSignal): Promise<Loaded<MeasurementDetail>> {
    const loaded = await getJson(`measurements/${encodeURIComponent(uid)}`, {}, signal);
    if (loaded.state !== 'ok') return loaded;
    const detail = normalize.measurementDetail(loaded.data);
    return detail
      ? { state: 'ok', data: detail }
      : { state: 'error', message: `measurement ${uid}: unreadable answer` };
  },
  async aggregation(query: Params, signal?: AbortSignal): Promise<Loaded<Aggregation>> {
    const loaded = await getJson('aggregation', query, signal);
    const x = typeof query.axis_x === 'string' && query.axis_x ? query.axis_x : null;
    const y = typeof query.axis_y === 'string' && query.axis_y ? query.axis_y : null;
    return mapLoaded(loaded, (d) => normalize.aggregation(d, x, y));
  },
  async overview(signal?: AbortSignal): Promise<Loaded<Overview>> {
    return mapLoaded(await getJson('overview', {}, signal), normalize.overview);
  },
  async countries(signal?: AbortSignal): Promise<Loaded<CountryRow[]>> {
    return mapLoaded(await getJson('countries', {}, signal), normalize.countries);
  },
  async networks(query: Params, signal?: AbortSignal): Promise<Loaded<NetworkRow[]>> {
    return mapLoaded(await getJson('networks', query, signal), normalize.networks);
  },
  async coverage(query: Params, signal?: AbortSignal): Promise<Loaded<CoverageDay[]>> {
    return mapLoaded(await getJson('coverage', query, signal), normalize.coverage);
  },
  async events(query: Params, signal?: AbortSignal): Promise<Loaded<EventRow[]>> {
    return mapLoaded(await getJson('events', query, signal), normalize.events);
  },
  async event(id: string, signal?: AbortSignal): Promise<Loaded<EventRow>> {
    const loaded = await getJson(`events/${encodeURIComponent(id)}`, {}, signal);
    if (loaded.state !== 'ok') return loaded;
    const body = normalize.isObject(loaded.data) && loaded.data.event ? loaded.data.event : loaded.data;
    const event = normalize.eventRow(body);
    return event ? { state: 'ok', data: event } : { state: 'error', message: `event ${id}: unreadable answer` };
  },
  async history(query: Params, signal?: AbortSignal): Promise<Loaded<History>> {
    return mapLoaded(await getJson('history', query, signal), normalize.history);
  },
  async registryCompare(query: Params, signal?: AbortSignal): Promise<Loaded<Tables>> {
    return mapLoaded(await getJson('registry/compare', query, signal), normalize.tables);
  },
};
