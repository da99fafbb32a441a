/**
 * Filters shared by the list, aggregation and overview queries, turned into a WHERE clause whose values are
 * always bound parameters (`{name:Type}`), never spliced into SQL. Pure.
 */

export interface MeasurementFilter {
  probe_cc?: string[];
  probe_asn?: number[];
  test_name?: string[];
  domain?: string[];
  input?: string;
  category_code?: string[];
  report_id?: string;
  /** inclusive lower bound, "YYYY-MM-DD HH:MM:SS" UTC */
  since?: string;
  /** exclusive upper bound, "YYYY-MM-DD HH:MM:SS" UTC */
  until?: string;
  anomaly?: boolean;
  confirmed?: boolean;
  failure?: boolean;
  blocking_type?: string[];
}

export interface SqlWhere {
  sql: string;
  params: Record<string, unknown>;
}

type Target = 'measurements' | 'rollup';

/** The filters a daily rollup can answer (everything else needs the measurements table). */
export function rollupCanFilter(filter: MeasurementFilter): boolean {
  const atMidnight = (t: string | undefined) => t === undefined || t.endsWith(' 00:00:00');
  return (
    filter.input === undefined &&
    filter.report_id === undefined &&
    filter.anomaly === undefined &&
    filter.confirmed === undefined &&
    filter.failure === undefined &&
    atMidnight(filter.since) &&
    atMidnight(filter.until)
  );
}

export function whereClause(filter: MeasurementFilter, target: Target = 'measurements'): SqlWhere {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  const list = (column: string, values: unknown[] | undefined, type: string) => {
    if (!values?.length) return;
    conditions.push(
      values.length === 1 ? `${column} = {${column}:${type}}` : `${column} IN {${column}:Array(${type})}`,
    );
    params[column] = values.length === 1 ? values[0] : values;
  };
  list('probe_cc', filter.probe_cc, 'String');
  list('probe_asn', filter.probe_asn, 'UInt32');
  list('test_name', filter.test_name, 'String');
  list('domain', filter.domain, 'String');
  list('category_code', filter.category_code, 'String');
  list('blocking_type', filter.blocking_type, 'String');
  if (target === 'rollup') {
    if (filter.since) {
      conditions.push('test_day >= toDate({since:DateTime})');
      params.since = filter.since;
    }
    if (filter.until) {
      conditions.push('test_day < toDate({until:DateTime})');
      params.until = filter.until;
    }
  } else {
    if (filter.input !== undefined) {
      conditions.push('input = {input:String}');
      params.input = filter.input;
    }
    if (filter.report_id !== undefined) {
      conditions.push('report_id = {report_id:String}');
      params.report_id = filter.report_id;
    }
    // The day condition lets ClickHouse use the (probe_cc, test_day, …) key; the time one is exact.
    if (filter.since) {
      conditions.push('test_day >= toDate({since:DateTime}) AND measurement_start_time >= {since:DateTime}');
      params.since = filter.since;
    }
    if (filter.until) {
      conditions.push('test_day <= toDate({until:DateTime}) AND measurement_start_time < {until:DateTime}');
      params.until = filter.until;
    }
    for (const flag of ['anomaly', 'confirmed', 'failure'] as const) {
      if (filter[flag] !== undefined) {
        conditions.push(`${flag} = {${flag}:Bool}`);
        params[flag] = filter[flag];
      }
    }
  }
  return { sql: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}
