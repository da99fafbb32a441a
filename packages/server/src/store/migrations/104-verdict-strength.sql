-- The kind of evidence of a blocked verdict (certain / strong / weak), so that an events rebuild weighs each
-- verdict as the live detector did. Empty for rows stored before: the rebuild then derives it from the methods.
ALTER TABLE measurements {{ON_CLUSTER}} ADD COLUMN IF NOT EXISTS strength LowCardinality(String) DEFAULT '';
