-- How far event detection has read the measurements table (max inserted_at processed): on start the detector
-- catches up on everything stored since (an offline `blockwatch import`, a crash between a batch and its events).
CREATE TABLE IF NOT EXISTS event_progress {{ON_CLUSTER}} (
  name String,
  inserted_at DateTime64(3, 'UTC'),
  version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;
