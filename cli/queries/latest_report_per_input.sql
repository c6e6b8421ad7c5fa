-- For every input file (key of the input bucket), the most profitable region(s) of its latest
-- version.
--
-- "Latest" is the newest object version by its LastModified time (then processing time) among the
-- manifests, so a re-uploaded file replaces its earlier report here while both stay in S3. The
-- report rows are found by source id, the report object's file name, in the manifest's partition
-- (both are partitioned by the input's upload day, ingest_date). A file with no valid rows still
-- appears, with an empty region and profit. Partition pruning: add
-- `WHERE m.ingest_date >= '...'` in `latest` to read the manifests of recent uploads only.
WITH latest AS (
    SELECT
        m.source_id,
        m.input.bucket AS input_bucket,
        m.input.key AS input_key,
        m.ingest_date,
        m.processed_at,
        m.rows_valid,
        m.rows_rejected,
        ROW_NUMBER() OVER (
            PARTITION BY m.input.bucket, m.input.key
            ORDER BY m.input.last_modified DESC, m.processed_at DESC, m.source_id DESC
        ) AS version_rank
    FROM manifests AS m
)

SELECT
    l.input_key,
    l.source_id,
    l.ingest_date,
    l.processed_at,
    l.rows_valid,
    l.rows_rejected,
    r.region,
    r.total_profit
FROM latest AS l
LEFT JOIN most_profitable_region AS r
    ON
        r.ingest_date = l.ingest_date
        AND regexp_extract(r."$path", '([^/]+)\.csv$', 1) = l.source_id
WHERE l.version_rank = 1
ORDER BY l.input_key, r.region
