/**
 * What the UI reads from the API: the server's own answer types (`@blockwatch/server/api/contract.ts`, derived
 * from its response schemas), imported as types only, so the UI bundles none of the server and cannot drift from
 * it: a field renamed there fails the type check here. Plus the state of a fetch.
 */
export type {
  AggregationResponse,
  AggregationRowJson,
  CountriesResponse,
  CountryJson,
  CoverageDayJson,
  EventDetailResponse,
  EventJson,
  EventListResponse,
  HistoryResponse,
  MeasurementDetailResponse,
  MeasurementListResponse,
  MeasurementSummaryJson,
  NetworkJson,
  OoniVerdictJson,
  OverviewResponse,
  RegistryCompareResponse,
} from '@blockwatch/server/api/contract.ts';

/** A fetch outcome a page can render: data, an endpoint this server does not offer, or an error. */
export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'missing'; path: string }
  | { state: 'error'; message: string; status?: number };
