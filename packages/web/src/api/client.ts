/**
 * The typed API client. Every call resolves (never rejects) to a `Loaded<T>`, so a page renders an empty state
 * when this server does not offer an endpoint (404 route, or the SPA's HTML instead of JSON) and a precise
 * message on errors (the server's `{statusCode, code, error, message}` body). Answers are typed by the server's
 * contract and used as they come: no renaming, no fallback keys (the server's contract test checks them).
 */
import { toQueryString } from '../router.ts';
import type * as Api from './types.ts';
import type { Loaded } from './types.ts';

export type Params = Record<string, string | number | boolean | null | undefined>;

const TIMEOUT_MS = 30_000;

/** The URL of an API call, also shown to users as the query behind a table or chart. */
export function apiUrl(path: string, params: Params = {}): string {
  return `/api/v1/${path}${toQueryString(params)}`;
}

export async function getJson<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<Loaded<T>> {
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
  if (response.ok) return { state: 'ok', data: body as T };
  const error = body as { message?: unknown } | null;
  const message = typeof error?.message === 'string' ? error.message : response.statusText;
  // Fastify's answer for a route it does not have: the endpoint is not there (yet), not an error in the query.
  if (response.status === 404 && /^Route \w+:.* not found$/.test(message)) return { state: 'missing', path: url };
  return { state: 'error', message, status: response.status };
}

function mapLoaded<T, U>(loaded: Loaded<T>, convert: (data: T) => U): Loaded<U> {
  return loaded.state === 'ok' ? { state: 'ok', data: convert(loaded.data) } : loaded;
}

/** OONI's measurement filters (probe_cc, probe_asn, domain, input, since, anomaly, …) plus paging. */
export type MeasurementQuery = Params & { offset?: number; limit?: number };

/** Aggregation rows: OONI answers one object without axes and a list with them; pages always get the list. */
const aggregationRows = (answer: Api.AggregationResponse): Api.AggregationRowJson[] =>
  Array.isArray(answer.result) ? answer.result : [answer.result];

export const api = {
  measurements(query: MeasurementQuery, signal?: AbortSignal): Promise<Loaded<Api.MeasurementListResponse>> {
    return getJson('measurements', { ...query, offset: query.offset ?? 0, limit: query.limit ?? 50 }, signal);
  },
  measurement(uid: string, signal?: AbortSignal): Promise<Loaded<Api.MeasurementDetailResponse>> {
    return getJson(`measurements/${encodeURIComponent(uid)}`, {}, signal);
  },
  async aggregation(query: Params, signal?: AbortSignal): Promise<Loaded<Api.AggregationRowJson[]>> {
    return mapLoaded(await getJson<Api.AggregationResponse>('aggregation', query, signal), aggregationRows);
  },
  overview(signal?: AbortSignal): Promise<Loaded<Api.OverviewResponse>> {
    return getJson('overview', {}, signal);
  },
  async countries(query: Params, signal?: AbortSignal): Promise<Loaded<Api.CountryJson[]>> {
    return mapLoaded(await getJson<{ results: Api.CountryJson[] }>('countries', query, signal), (d) => d.results);
  },
  async networks(query: Params, signal?: AbortSignal): Promise<Loaded<Api.NetworkJson[]>> {
    return mapLoaded(await getJson<{ results: Api.NetworkJson[] }>('networks', query, signal), (d) => d.results);
  },
  async coverage(query: Params, signal?: AbortSignal): Promise<Loaded<Api.CoverageDayJson[]>> {
    return mapLoaded(await getJson<{ results: Api.CoverageDayJson[] }>('coverage', query, signal), (d) => d.results);
  },
  async events(query: Params, signal?: AbortSignal): Promise<Loaded<Api.EventJson[]>> {
    return mapLoaded(await getJson<Api.EventListResponse>('events', query, signal), (d) => d.results);
  },
  event(id: string, signal?: AbortSignal): Promise<Loaded<Api.EventDetailResponse>> {
    return getJson(`events/${encodeURIComponent(id)}`, {}, signal);
  },
  history(query: Params, signal?: AbortSignal): Promise<Loaded<Api.HistoryResponse>> {
    return getJson('history', query, signal);
  },
  registryCompare(query: Params, signal?: AbortSignal): Promise<Loaded<Api.RegistryCompareResponse>> {
    return getJson('registry/compare', query, signal);
  },
};
