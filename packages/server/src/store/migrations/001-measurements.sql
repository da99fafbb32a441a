-- The analytics table: one row per measurement, hot columns only (the raw JSON lives in measurement_raw).
-- Ordered for the list and aggregation queries (country first, then day, domain, input).
-- ReplacingMergeTree keeps duplicates from surviving a merge; the store also checks before inserting.
CREATE TABLE IF NOT EXISTS measurements {{ON_CLUSTER}} (
  measurement_uid String,
  report_id String,
  input String,
  domain LowCardinality(String),
  category_code LowCardinality(String),
  probe_cc LowCardinality(String),
  probe_asn UInt32,
  probe_network_name LowCardinality(String),
  resolver_asn UInt32,
  test_name LowCardinality(String),
  test_version LowCardinality(String),
  software_name LowCardinality(String),
  software_version LowCardinality(String),
  measurement_start_time DateTime('UTC'),
  test_start_time DateTime('UTC'),
  test_day Date MATERIALIZED toDate(measurement_start_time),
  test_runtime Float32,
  -- our verdict
  outcome LowCardinality(String),
  anomaly Bool,
  confirmed Bool,
  failure Bool,
  blocking_type LowCardinality(String),
  blocking_methods Array(LowCardinality(String)),
  accessible Nullable(Bool),
  blocking_classic LowCardinality(String),
  fingerprints Array(String),
  dns_status LowCardinality(String),
  tcp_status LowCardinality(String),
  tls_status LowCardinality(String),
  http_status LowCardinality(String),
  engine LowCardinality(String),
  explanation String CODEC(ZSTD(1)),
  -- OONI's own verdict, when known (imported data): test_keys as written, fastpath flags if present
  ooni_blocking LowCardinality(String),
  ooni_accessible Nullable(Bool),
  ooni_anomaly Nullable(Bool),
  ooni_confirmed Nullable(Bool),
  ooni_failure Nullable(Bool),
  source LowCardinality(String),
  inserted_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(measurement_start_time)
ORDER BY (probe_cc, test_day, domain, input, measurement_start_time, measurement_uid);

-- Point lookups by uid (about 8 ms against 60 ms on the analytics table): the raw measurement, our verdict
-- and OONI's verdict, compressed apart from the hot columns.
CREATE TABLE IF NOT EXISTS measurement_raw {{ON_CLUSTER}} (
  measurement_uid String,
  probe_cc LowCardinality(String),
  measurement_start_time DateTime('UTC'),
  raw String CODEC(ZSTD(3)),
  verdict String CODEC(ZSTD(3)),
  ooni String CODEC(ZSTD(3)),
  inserted_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(inserted_at)
ORDER BY measurement_uid
SETTINGS index_granularity = 256;
