-- Official blocklists: one row per listed target (URL, domain or IP address) and list.
CREATE TABLE IF NOT EXISTS registry_entries {{ON_CLUSTER}} (
  probe_cc LowCardinality(String),
  list_name LowCardinality(String),
  kind LowCardinality(String),
  target String,
  domain String,
  listed_date String,
  authority String,
  legal_basis String,
  decision String,
  imported_ms Int64
)
ENGINE = ReplacingMergeTree(imported_ms)
ORDER BY (probe_cc, list_name, kind, target);
