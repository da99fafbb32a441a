-- Webhooks registered by an administrator, and the log of every delivery attempt.
CREATE TABLE IF NOT EXISTS webhooks {{ON_CLUSTER}} (
  webhook_id String,
  url String,
  secret String,
  probe_cc LowCardinality(String),
  domain String,
  input String,
  active Bool,
  created_ms Int64,
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY webhook_id;

CREATE TABLE IF NOT EXISTS webhook_deliveries {{ON_CLUSTER}} (
  delivery_id String,
  webhook_id String,
  event_id String,
  change LowCardinality(String),
  attempt UInt16,
  status_code UInt16,
  error String,
  duration_ms UInt32,
  delivered Bool,
  time_ms Int64
)
ENGINE = MergeTree
ORDER BY (webhook_id, time_ms, delivery_id, attempt);
