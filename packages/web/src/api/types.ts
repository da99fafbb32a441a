/**
 * What the UI works with, after normalisation (`normalize.ts`). The server's JSON is read defensively because
 * the API grows while the UI is written and OONI-shaped data has both `null` and missing keys everywhere.
 */
import type { Measurement, Outcome, Verdict } from 'blockwatch/model';

/** A fetch outcome a page can render: data, an endpoint this server does not offer (yet), or an error. */
export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'missing'; path: string }
  | { state: 'error'; message: string; status?: number };

export interface MeasurementRow {
  uid: string;
  reportId: string;
  input: string | null;
  domain: string | null;
  cc: string;
  asn: number | null;
  networkName: string | null;
  testName: string;
  startTime: string;
  anomaly: boolean;
  confirmed: boolean;
  failure: boolean;
  /** Our blocking method (`dns`, `tls`, …) or null. */
  blockingType: string | null;
  outcome: Outcome | null;
  categoryCode: string | null;
}

export interface MeasurementPage {
  rows: MeasurementRow[];
  /** Total matching rows, when the server counts them. */
  count: number | null;
  offset: number;
  limit: number;
  hasMore: boolean;
}

export interface OoniVerdict {
  blocking: string | false | null;
  accessible: boolean | null;
  anomaly: boolean | null;
  confirmed: boolean | null;
  failure: boolean | null;
}

export interface MeasurementDetail {
  row: MeasurementRow;
  verdict: Verdict | null;
  ooni: OoniVerdict | null;
  raw: Measurement | null;
}

export interface AggregationCounts {
  measurement: number;
  ok: number;
  anomaly: number;
  confirmed: number;
  failure: number;
}

export interface AggregationRow extends AggregationCounts {
  /** Axis values by axis name (`measurement_start_day`, `probe_asn`, …). */
  axes: Record<string, string>;
  /** Extra numeric columns the server adds (e.g. `down_count`), kept for tables and exports. */
  extra: Record<string, number>;
}

export interface Aggregation {
  rows: AggregationRow[];
  axisX: string | null;
  axisY: string | null;
}

export interface CountryRow {
  cc: string;
  measurementCount: number;
  /** measurements that did not fail: the n of the blocked share */
  usableCount: number;
  networkCount: number | null;
  blockedCount: number | null;
  /** 0..1 */
  blockedShare: number | null;
}

export interface NetworkRow {
  asn: number;
  name: string | null;
  cc: string | null;
  measurementCount: number;
  usableCount: number;
  blockedCount: number | null;
  blockedShare: number | null;
}

export interface CoverageDay {
  day: string;
  count: number;
}

export interface Overview {
  measurementCount: number | null;
  countryCount: number | null;
  networkCount: number | null;
  blockedCount: number | null;
  countries: CountryRow[];
  coverage: CoverageDay[];
}

export interface EventRow {
  id: string;
  cc: string | null;
  asns: number[];
  input: string | null;
  domain: string | null;
  methods: string[];
  status: 'open' | 'closed' | string;
  onsetFrom: string | null;
  onsetTo: string | null;
  endFrom: string | null;
  endTo: string | null;
  confidence: number | null;
  summary: string | null;
  evidence: EvidenceRef[];
}

/** A measurement cited by an event, with why (`onset_before` = last accessible, `blocked`, `end_after`). */
export interface EvidenceRef {
  uid: string;
  role: string | null;
  asn: number | null;
  time: string | null;
}

export interface HistoryPoint {
  time: string;
  outcome: string;
  method: string | null;
  uid: string | null;
  count: number;
}

export interface HistoryNetwork {
  asn: number | null;
  name: string | null;
  points: HistoryPoint[];
}

export interface History {
  sentence: string | null;
  networks: HistoryNetwork[];
}

/** An endpoint whose shape we show generically: named lists of flat rows. */
export interface Tables {
  summary: Record<string, string | number | boolean | null>;
  tables: { name: string; rows: Record<string, string | number | boolean | null>[] }[];
}
