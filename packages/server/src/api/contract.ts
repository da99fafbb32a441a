/**
 * The API's answers as TypeScript types: what the handlers return and what the web UI reads (`import type` from
 * `@blockwatch/server/api/contract.ts`; type-only, so the UI bundles none of the server). The answers of this
 * folder's routes are derived from their response schemas (`responses.ts`); the event, history and registry
 * routes return the event module's own types, named here as they go over the wire.
 */
import type { Measurement, Verdict } from 'blockwatch/model';
import type { History } from '../events/history.ts';
import type { RemoteEvidenceRow } from '../events/remote-evidence.ts';
import type { BlockingEvent, EvidenceRole } from '../events/types.ts';
import type { RegistryComparison } from '../registry/compare.ts';
import type { FromSchema } from './from-schema.ts';
import type {
  AGGREGATION_ROW_SCHEMA,
  AGGREGATION_SCHEMA,
  COUNTRIES_SCHEMA,
  COUNTS_SCHEMA,
  COVERAGE_SCHEMA,
  MEASUREMENT_DETAIL_SCHEMA,
  MEASUREMENT_LIST_SCHEMA,
  MEASUREMENT_SUMMARY_SCHEMA,
  NETWORKS_SCHEMA,
  OONI_VERDICT_SCHEMA,
  OVERVIEW_SCHEMA,
} from './responses.ts';

/** `GET /api/v1/measurements`: one result. */
export type MeasurementSummaryJson = FromSchema<typeof MEASUREMENT_SUMMARY_SCHEMA>;
/** `GET /api/v1/measurements` */
export type MeasurementListResponse = FromSchema<typeof MEASUREMENT_LIST_SCHEMA>;
export type OoniVerdictJson = FromSchema<typeof OONI_VERDICT_SCHEMA>;
/** `GET /api/v1/measurements/{uid}`: the schema says "object"; the verdict and the record have model types. */
export type MeasurementDetailResponse = Omit<
  FromSchema<typeof MEASUREMENT_DETAIL_SCHEMA>,
  'verdict' | 'raw_measurement'
> & { verdict: Verdict | null; raw_measurement: Measurement };

/** OONI's five counts. */
export type CountsJson = FromSchema<typeof COUNTS_SCHEMA>;
/** `GET /api/v1/aggregation` with axes: one row (axis values, then counts). */
export type AggregationRowJson = FromSchema<typeof AGGREGATION_ROW_SCHEMA>;
/** `GET /api/v1/aggregation` */
export type AggregationResponse = FromSchema<typeof AGGREGATION_SCHEMA>;

/** `GET /api/v1/overview` */
export type OverviewResponse = FromSchema<typeof OVERVIEW_SCHEMA>;
/** `GET /api/v1/countries` */
export type CountriesResponse = FromSchema<typeof COUNTRIES_SCHEMA>;
export type CountryJson = CountriesResponse['results'][number];
/** `GET /api/v1/networks` */
export type NetworksResponse = FromSchema<typeof NETWORKS_SCHEMA>;
export type NetworkJson = NetworksResponse['results'][number];
/** `GET /api/v1/coverage` */
export type CoverageResponse = FromSchema<typeof COVERAGE_SCHEMA>;
export type CoverageDayJson = CoverageResponse['results'][number];

/**
 * An event as the event routes send it: the detector's event, its one-sentence summary, its URL, the test whose
 * verdicts it follows (web_connectivity for a URL, telegram, whatsapp or signal for a service: `input` is then that
 * test name) and the service's name (null for a URL).
 */
export type EventJson = BlockingEvent & { summary: string; url: string; test_name: string; service: string | null };
/** `GET /api/v1/events` */
export interface EventListResponse {
  metadata: { count: number; limit: number; offset: number; next_url: string | null };
  results: EventJson[];
}
/** `GET /api/v1/events/{id}` */
export type EventDetailResponse = EventJson & {
  remote_evidence: (Omit<RemoteEvidenceRow, 'probe_asn'> & { probe_asn: string; measurement_url: string })[];
  corroborated_by_remote: string[];
  evidence: {
    measurement_uid: string;
    probe_asn: string;
    measurement_start_time: string;
    role: EvidenceRole;
    measurement_url: string;
  }[];
};
/** `GET /api/v1/history` */
export type HistoryResponse = Omit<History, 'events'> & { events: EventJson[] };
/** `GET /api/v1/registry/compare` */
export type RegistryCompareResponse = RegistryComparison & { windowDays: number };
