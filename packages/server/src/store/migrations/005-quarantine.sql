-- Acknowledged measurements that could not be stored (a record that bypassed the collector's checks, or one the
-- engine refused): kept here with the error and the time, never dropped, so that every acknowledged measurement
-- is in `measurements` or here. Keyed by uid: a batch replayed after a crash quarantines each one once.
CREATE TABLE IF NOT EXISTS quarantine {{ON_CLUSTER}} (
  measurement_uid String,
  raw String CODEC(ZSTD(3)),
  error String,
  source LowCardinality(String),
  quarantined_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(quarantined_at)
ORDER BY measurement_uid;
