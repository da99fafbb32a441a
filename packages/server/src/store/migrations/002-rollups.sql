-- Daily rollups for the aggregation and overview endpoints. The four counts follow OONI's aggregation
-- semantics and are mutually exclusive: confirmed = confirmed and not failure; anomaly = anomaly and not
-- confirmed and not failure; failure = failure; ok = none of them. Counts are signed so that deleting a
-- measurement can insert a negative row (SummingMergeTree then cancels it out).
CREATE TABLE IF NOT EXISTS rollup_daily {{ON_CLUSTER}} (
  probe_cc LowCardinality(String),
  test_day Date,
  probe_asn UInt32,
  test_name LowCardinality(String),
  domain LowCardinality(String),
  category_code LowCardinality(String),
  blocking_type LowCardinality(String),
  probe_network_name SimpleAggregateFunction(any, String),
  measurement_count Int64,
  anomaly_count Int64,
  confirmed_count Int64,
  failure_count Int64,
  ok_count Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYear(test_day)
ORDER BY (probe_cc, test_day, probe_asn, test_name, domain, category_code, blocking_type);

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_daily_mv {{ON_CLUSTER}} TO rollup_daily AS
SELECT
  probe_cc,
  toDate(measurement_start_time) AS test_day,
  probe_asn,
  test_name,
  domain,
  category_code,
  blocking_type,
  any(probe_network_name) AS probe_network_name,
  toInt64(count()) AS measurement_count,
  toInt64(countIf(anomaly AND NOT confirmed AND NOT failure)) AS anomaly_count,
  toInt64(countIf(confirmed AND NOT failure)) AS confirmed_count,
  toInt64(countIf(failure)) AS failure_count,
  toInt64(countIf(NOT anomaly AND NOT confirmed AND NOT failure)) AS ok_count
FROM measurements
GROUP BY probe_cc, test_day, probe_asn, test_name, domain, category_code, blocking_type;
