-- Event detection (migrations 100–199 belong to src/events, src/alerts and src/registry).
-- Times are epoch milliseconds (Int64): the detector works in ms and no time zone can creep in.
-- Detector state is JSON documents versioned for ReplacingMergeTree: read them with FINAL.

-- One row per (country, network, URL) series: the CUSUM state that lets a restart resume.
CREATE TABLE IF NOT EXISTS event_series {{ON_CLUSTER}} (
  series_key String,
  probe_cc LowCardinality(String),
  state String CODEC(ZSTD(1)),
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY series_key;

-- Per-network handshake/throughput baselines (throttling detection).
CREATE TABLE IF NOT EXISTS event_baselines {{ON_CLUSTER}} (
  network_key String,
  state String CODEC(ZSTD(1)),
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY network_key;

-- Blocking events per (country, URL); `doc` is the full event (networks, brackets), the other columns filter.
CREATE TABLE IF NOT EXISTS events {{ON_CLUSTER}} (
  event_id String,
  probe_cc LowCardinality(String),
  input String,
  domain String,
  status LowCardinality(String),
  methods Array(LowCardinality(String)),
  asns Array(UInt32),
  onset_ms Int64,
  end_ms Nullable(Int64),
  detected_ms Int64,
  updated_ms Int64,
  confidence Float32,
  doc String CODEC(ZSTD(1)),
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY event_id;

-- The measurements each event cites: the onset bracket's last accessible one, every blocked one, the end's first
-- accessible one.
CREATE TABLE IF NOT EXISTS event_evidence {{ON_CLUSTER}} (
  event_id String,
  probe_asn UInt32,
  measurement_uid String,
  time_ms Int64,
  role LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (event_id, time_ms, measurement_uid, role);
