-- The list-row fields beside the raw JSON, so a lookup by uid is one point query instead of two.
ALTER TABLE measurement_raw {{ON_CLUSTER}} ADD COLUMN IF NOT EXISTS summary String CODEC(ZSTD(3));
