/**
 * The web UI's summary queries (overview, countries, networks, coverage), all served from daily rollups
 * so they stay fast at any table size. "Blocked share" = (confirmed + anomaly) / measurements, with OONI's
 * mutually exclusive counts. Each can be narrowed to some test names (the rollups keep `test_name`).
 */
import type { Store } from './store.ts';

const COUNTS = `sum(measurement_count) AS measurement_count, sum(anomaly_count) AS anomaly_count,
  sum(confirmed_count) AS confirmed_count, sum(failure_count) AS failure_count, sum(ok_count) AS ok_count,
  if(measurement_count > 0, round((confirmed_count + anomaly_count) / measurement_count, 4), 0) AS blocked_share`;

export interface CountRow {
  measurement_count: number;
  anomaly_count: number;
  confirmed_count: number;
  failure_count: number;
  ok_count: number;
  blocked_share: number;
}

export interface CountryRow extends CountRow {
  probe_cc: string;
  networks: number;
  first_day: string;
  last_day: string;
}

export interface NetworkRow extends CountRow {
  probe_asn: number;
  probe_network_name: string;
  last_day: string;
}

export interface CoverageRow extends CountRow {
  day: string;
}

export interface Overview {
  totals: CountRow & {
    countries: number;
    networks: number;
    domains: number;
    first_day: string | null;
    last_day: string | null;
  };
  most_blocking: (CountRow & { probe_cc: string })[];
  coverage: CoverageRow[];
  min_sample: number;
}

/** Test names to keep (all when absent or empty), as a condition on a rollup and its bound parameter. */
const TESTS = 'test_name IN {tests:Array(String)}';
const testsWhere = (tests: string[] | undefined, join: 'WHERE' | 'AND') => (tests?.length ? `${join} ${TESTS}` : '');

export async function countries(store: Store, tests?: string[]): Promise<CountryRow[]> {
  return store.query<CountryRow>(
    `SELECT probe_cc, ${COUNTS}, uniqExact(probe_asn) AS networks,
       toString(min(test_day)) AS first_day, toString(max(test_day)) AS last_day
     FROM rollup_network_daily ${testsWhere(tests, 'WHERE')}
     GROUP BY probe_cc HAVING measurement_count > 0 ORDER BY measurement_count DESC`,
    { tests },
  );
}

export async function networks(store: Store, probeCc: string, tests?: string[]): Promise<NetworkRow[]> {
  return store.query<NetworkRow>(
    `SELECT probe_asn, any(probe_network_name) AS probe_network_name, ${COUNTS}, toString(max(test_day)) AS last_day
     FROM rollup_network_daily WHERE probe_cc = {cc:String} ${testsWhere(tests, 'AND')}
     GROUP BY probe_asn HAVING measurement_count > 0 ORDER BY measurement_count DESC`,
    { cc: probeCc, tests },
  );
}

export async function coverage(
  store: Store,
  q: { probe_cc?: string; since?: string; until?: string; tests?: string[] },
): Promise<CoverageRow[]> {
  const conditions: string[] = [];
  if (q.tests?.length) conditions.push(TESTS);
  if (q.probe_cc) conditions.push('probe_cc = {cc:String}');
  if (q.since) conditions.push('test_day >= toDate({since:String})');
  if (q.until) conditions.push('test_day < toDate({until:String})');
  return store.query<CoverageRow>(
    `SELECT toString(test_day) AS day, ${COUNTS} FROM rollup_cc_daily
     ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     GROUP BY test_day HAVING measurement_count > 0 ORDER BY test_day`,
    { cc: q.probe_cc, since: q.since, until: q.until, tests: q.tests },
  );
}

export async function overview(
  store: Store,
  options: { minSample?: number; days?: number; tests?: string[] } = {},
): Promise<Overview> {
  const minSample = options.minSample ?? 30;
  const days = options.days ?? 90;
  const tests = options.tests;
  const [totals] = await store.query<Overview['totals'] & { first_day: string; last_day: string }>(
    `SELECT ${COUNTS}, uniqExact(probe_cc) AS countries, uniqExact(probe_asn) AS networks,
       (SELECT uniqExactIf(domain, domain != '') FROM rollup_domain_daily ${testsWhere(tests, 'WHERE')}) AS domains,
       toString(min(test_day)) AS first_day, toString(max(test_day)) AS last_day
     FROM rollup_network_daily ${testsWhere(tests, 'WHERE')}`,
    { tests },
  );
  const empty = !totals || totals.measurement_count <= 0;
  const most = await store.query<CountRow & { probe_cc: string }>(
    `SELECT probe_cc, ${COUNTS} FROM rollup_cc_daily ${testsWhere(tests, 'WHERE')} GROUP BY probe_cc
     HAVING measurement_count >= {min:UInt32} ORDER BY blocked_share DESC, measurement_count DESC LIMIT 10`,
    { min: minSample, tests },
  );
  const recent = empty
    ? []
    : await store.query<CoverageRow>(
        `SELECT toString(test_day) AS day, ${COUNTS} FROM rollup_cc_daily
         WHERE test_day > toDate({last:String}) - {days:UInt32} ${testsWhere(tests, 'AND')}
         GROUP BY test_day HAVING measurement_count > 0 ORDER BY test_day`,
        { last: totals.last_day, days, tests },
      );
  const zero = {
    measurement_count: 0,
    anomaly_count: 0,
    confirmed_count: 0,
    failure_count: 0,
    ok_count: 0,
    blocked_share: 0,
  };
  return {
    totals: empty ? { ...zero, countries: 0, networks: 0, domains: 0, first_day: null, last_day: null } : totals,
    most_blocking: most,
    coverage: recent,
    min_sample: minSample,
  };
}
