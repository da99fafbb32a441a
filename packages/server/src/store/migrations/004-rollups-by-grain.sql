-- Coarser rollups, so each query reads the smallest table that has its dimensions (rollup_daily keeps every
-- dimension and is nearly as large as the measurements themselves when networks × domains × days rarely repeat):
--   rollup_cc_daily       country, day, test, blocking type          (country and time series, overview)
--   rollup_network_daily  … plus network                              (networks of a country)
--   rollup_domain_daily   … plus domain and category, without network (domains of a country)
CREATE TABLE IF NOT EXISTS rollup_cc_daily {{ON_CLUSTER}} (
  probe_cc LowCardinality(String),
  test_day Date,
  test_name LowCardinality(String),
  blocking_type LowCardinality(String),
  measurement_count Int64,
  anomaly_count Int64,
  confirmed_count Int64,
  failure_count Int64,
  ok_count Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYear(test_day)
ORDER BY (probe_cc, test_day, test_name, blocking_type);

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_cc_daily_mv {{ON_CLUSTER}} TO rollup_cc_daily AS
SELECT
  probe_cc,
  toDate(measurement_start_time) AS test_day,
  test_name,
  blocking_type,
  toInt64(count()) AS measurement_count,
  toInt64(countIf(anomaly AND NOT confirmed AND NOT failure)) AS anomaly_count,
  toInt64(countIf(confirmed AND NOT failure)) AS confirmed_count,
  toInt64(countIf(failure)) AS failure_count,
  toInt64(countIf(NOT anomaly AND NOT confirmed AND NOT failure)) AS ok_count
FROM measurements
GROUP BY probe_cc, test_day, test_name, blocking_type;

-- Existing data: fill from the finest rollup, once (migrations run before the server accepts measurements).
INSERT INTO rollup_cc_daily SELECT probe_cc, test_day, test_name, blocking_type, sum(measurement_count), sum(anomaly_count), sum(confirmed_count), sum(failure_count), sum(ok_count) FROM rollup_daily
WHERE (SELECT count() FROM rollup_cc_daily) = 0
GROUP BY probe_cc, test_day, test_name, blocking_type;

CREATE TABLE IF NOT EXISTS rollup_network_daily {{ON_CLUSTER}} (
  probe_cc LowCardinality(String),
  test_day Date,
  probe_asn UInt32,
  test_name LowCardinality(String),
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
ORDER BY (probe_cc, test_day, probe_asn, test_name, blocking_type);

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_network_daily_mv {{ON_CLUSTER}} TO rollup_network_daily AS
SELECT
  probe_cc,
  toDate(measurement_start_time) AS test_day,
  probe_asn,
  test_name,
  blocking_type,
  any(probe_network_name) AS probe_network_name,
  toInt64(count()) AS measurement_count,
  toInt64(countIf(anomaly AND NOT confirmed AND NOT failure)) AS anomaly_count,
  toInt64(countIf(confirmed AND NOT failure)) AS confirmed_count,
  toInt64(countIf(failure)) AS failure_count,
  toInt64(countIf(NOT anomaly AND NOT confirmed AND NOT failure)) AS ok_count
FROM measurements
GROUP BY probe_cc, test_day, probe_asn, test_name, blocking_type;

-- Existing data: fill from the finest rollup, once (migrations run before the server accepts measurements).
INSERT INTO rollup_network_daily SELECT probe_cc, test_day, probe_asn, test_name, blocking_type, any(probe_network_name), sum(measurement_count), sum(anomaly_count), sum(confirmed_count), sum(failure_count), sum(ok_count) FROM rollup_daily
WHERE (SELECT count() FROM rollup_network_daily) = 0
GROUP BY probe_cc, test_day, probe_asn, test_name, blocking_type;

CREATE TABLE IF NOT EXISTS rollup_domain_daily {{ON_CLUSTER}} (
  probe_cc LowCardinality(String),
  test_day Date,
  test_name LowCardinality(String),
  domain LowCardinality(String),
  category_code LowCardinality(String),
  blocking_type LowCardinality(String),
  measurement_count Int64,
  anomaly_count Int64,
  confirmed_count Int64,
  failure_count Int64,
  ok_count Int64
)
ENGINE = SummingMergeTree
PARTITION BY toYear(test_day)
ORDER BY (probe_cc, test_day, test_name, domain, category_code, blocking_type);

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_domain_daily_mv {{ON_CLUSTER}} TO rollup_domain_daily AS
SELECT
  probe_cc,
  toDate(measurement_start_time) AS test_day,
  test_name,
  domain,
  category_code,
  blocking_type,
  toInt64(count()) AS measurement_count,
  toInt64(countIf(anomaly AND NOT confirmed AND NOT failure)) AS anomaly_count,
  toInt64(countIf(confirmed AND NOT failure)) AS confirmed_count,
  toInt64(countIf(failure)) AS failure_count,
  toInt64(countIf(NOT anomaly AND NOT confirmed AND NOT failure)) AS ok_count
FROM measurements
GROUP BY probe_cc, test_day, test_name, domain, category_code, blocking_type;

-- Existing data: fill from the finest rollup, once (migrations run before the server accepts measurements).
INSERT INTO rollup_domain_daily SELECT probe_cc, test_day, test_name, domain, category_code, blocking_type, sum(measurement_count), sum(anomaly_count), sum(confirmed_count), sum(failure_count), sum(ok_count) FROM rollup_daily
WHERE (SELECT count() FROM rollup_domain_daily) = 0
GROUP BY probe_cc, test_day, test_name, domain, category_code, blocking_type;

-- "Which networks see domain X" without a country: skip granules of rollup_daily that lack the domain.
ALTER TABLE rollup_daily {{ON_CLUSTER}} ADD INDEX IF NOT EXISTS domain_bloom domain TYPE bloom_filter(0.01) GRANULARITY 2;
