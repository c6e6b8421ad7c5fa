# Athena over the pipeline's buckets, with no crawler and no MSCK REPAIR:
#   a Glue database with one table per report (CSV, Hive partition ingest_date resolved by
#   partition projection), a table over the input order files, JSON tables over the manifests and
#   error records (partitioned the same way); an Athena workgroup with enforced settings (encrypted
#   results under their own prefix, a per-query scan limit, CloudWatch metrics); one named query per
#   entry of var.named_queries; and a customer-managed IAM policy that lets an analyst run exactly
#   these queries.

data "aws_partition" "current" {}

locals {
  # --- Tables: the contract the named queries and the DuckDB views (cli/query.py) rely on -----
  # tests/test_analytics_sql.py checks these locals against the Python definitions they mirror:
  # shared/core/reports.py (report columns), shared/core/schema.py (the brief's header) and
  # shared/aws/records.py (manifest and error record fields).
  # The report CSVs (shared/reports.py): reports/<report>/ingest_date=YYYY-MM-DD/<source-id>.csv.
  # rejected_rows files carry the rejected row's own fields after these two columns; the table
  # ignores them.
  report_columns = {
    most_profitable_region              = ["region", "total_profit"]
    most_common_ship_mode_by_category   = ["category", "ship_mode", "order_count"]
    orders_by_category_and_sub_category = ["category", "sub_category", "order_count"]
    rejected_rows                       = ["line", "reason"]
  }

  # The brief's header, by position (OpenCSVSerde maps columns by position, not by name).
  order_columns = [
    "order_id", "order_date", "ship_mode", "segment", "country", "city", "state", "postal_code",
    "region", "category", "sub_category", "product_id", "cost_price", "list_price", "quantity",
    "discount_percent",
  ]

  input_struct = "struct<bucket:string,key:string,version_id:string,etag:string,size:bigint,last_modified:string>"

  # manifests/ingest_date=YYYY-MM-DD/<countdown>-<source-id>.json and errors/... (shared/aws/
  # layout.py, records.py): one JSON object per file, on one line. The manifest's own ingest_date
  # field equals its partition, which supplies the column.
  json_columns = {
    manifests = [
      { name = "manifest_version", type = "int" },
      { name = "source_id", type = "string" },
      { name = "input", type = local.input_struct },
      { name = "compressed", type = "boolean" },
      { name = "data_bytes", type = "bigint" },
      { name = "rows_read", type = "bigint" },
      { name = "rows_valid", type = "bigint" },
      { name = "rows_rejected", type = "bigint" },
      { name = "rows_skipped_blank", type = "bigint" },
      { name = "rejects_by_reason", type = "map<string,bigint>" },
      { name = "rejected_rows_truncated", type = "bigint" },
      { name = "outputs", type = "map<string,string>" },
      { name = "code_version", type = "string" },
      { name = "engine_duration_seconds", type = "double" },
      { name = "duration_seconds", type = "double" },
      { name = "processed_at", type = "string" },
    ]
    errors = [
      { name = "manifest_version", type = "int" },
      { name = "source_id", type = "string" },
      { name = "input", type = local.input_struct },
      { name = "error_type", type = "string" },
      { name = "message", type = "string" },
      { name = "code_version", type = "string" },
      { name = "recorded_at", type = "string" },
    ]
  }

  table_descriptions = {
    most_profitable_region              = "Per input file: the most profitable region(s) and total profit."
    most_common_ship_mode_by_category   = "Per input file: the most common ship mode(s) of each category."
    orders_by_category_and_sub_category = "Per input file: distinct orders per category and sub-category."
    rejected_rows                       = "Per input file: rows the pipeline rejected (line number, reason; the row's own fields follow in the file)."
    orders                              = "The order files of the input bucket (.csv, .csv.gz), every column as text."
    manifests                           = "One manifest per processed input file version (counts, outputs, timings), by upload day."
    errors                              = "One record per input file version that could not be processed at all, by upload day."
  }

  # Every table: format, location, columns (name/type), partitioned by ingest_date or not.
  # CSV columns are all strings: OpenCSVSerde reads text, the queries CAST.
  tables = merge(
    {
      for name, columns in local.report_columns : name => {
        format      = "csv"
        location    = "s3://${var.output_bucket_name}/reports/${name}/"
        columns     = [for c in columns : { name = c, type = "string" }]
        partitioned = true
      }
    },
    {
      orders = {
        format      = "csv"
        location    = "s3://${var.input_bucket_name}/"
        columns     = [for c in local.order_columns : { name = c, type = "string" }]
        partitioned = false
      }
    },
    {
      for name, columns in local.json_columns : name => {
        format      = "json"
        location    = "s3://${var.output_bucket_name}/${name}/"
        columns     = columns
        partitioned = true
      }
    },
  )

  formats = {
    csv = {
      serde      = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
      serde_args = { separatorChar = ",", quoteChar = "\"" }
      parameters = { classification = "csv", "skip.header.line.count" = "1" }
    }
    json = {
      serde      = "org.openx.data.jsonserde.JsonSerDe"
      serde_args = {}
      parameters = { classification = "json" }
    }
  }

  # --- Named queries: one per entry of var.named_queries --------------------------------------
  # The description is the SQL's leading "-- " comment paragraph (up to a bare "--" or the SQL),
  # joined into one line; Athena allows 1024 characters.
  query_descriptions = {
    for name, sql in var.named_queries : name => substr(coalesce(
      trimspace(join(" ", [
        for line in split("\n", try(regex("^(?:--[ \t]+[^\n]*\n)+", replace(sql, "\r", "")), "")) :
        trimspace(trimprefix(line, "--"))
      ])),
      "Athena named query ${name}",
    ), 0, 1024)
  }

  workgroup_name   = "${var.name_prefix}-analytics"
  results_location = "s3://${var.output_bucket_name}/${var.results_prefix}"
}

# --- Glue Data Catalog ------------------------------------------------------------------------

resource "aws_glue_catalog_database" "this" {
  name        = var.database_name
  description = "orders-pipeline: reports, manifests and errors in ${var.output_bucket_name}, order files in ${var.input_bucket_name}."
  tags        = var.tags
}

resource "aws_glue_catalog_table" "this" {
  for_each = local.tables

  name          = each.key
  database_name = aws_glue_catalog_database.this.name
  description   = local.table_descriptions[each.key]
  table_type    = "EXTERNAL_TABLE"

  # Partition projection: Athena computes the ingest_date partitions from this range and the
  # location template (the literal ${ingest_date} is escaped as $${...} in HCL), so no crawler,
  # no MSCK REPAIR TABLE and no glue:BatchCreatePartition are needed.
  parameters = merge(
    local.formats[each.value.format].parameters,
    each.value.partitioned ? {
      "projection.enabled"                   = "true"
      "projection.ingest_date.type"          = "date"
      "projection.ingest_date.format"        = "yyyy-MM-dd"
      "projection.ingest_date.range"         = "${var.projection_start_date},NOW"
      "projection.ingest_date.interval"      = "1"
      "projection.ingest_date.interval.unit" = "DAYS"
      "storage.location.template"            = "${each.value.location}ingest_date=$${ingest_date}"
    } : {},
  )

  dynamic "partition_keys" {
    for_each = each.value.partitioned ? ["ingest_date"] : []
    content {
      name = partition_keys.value
      type = "string"
    }
  }

  storage_descriptor {
    location      = each.value.location
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      serialization_library = local.formats[each.value.format].serde
      parameters            = local.formats[each.value.format].serde_args
    }

    dynamic "columns" {
      for_each = each.value.columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}

# --- Athena -----------------------------------------------------------------------------------

resource "aws_athena_workgroup" "this" {
  name          = local.workgroup_name
  description   = "orders-pipeline analytics over ${var.database_name}: enforced settings, encrypted results in ${local.results_location}."
  state         = "ENABLED"
  force_destroy = var.force_destroy
  tags          = var.tags

  configuration {
    # Clients cannot override the result location, encryption or scan limit.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query
    requester_pays_enabled             = false

    engine_version {
      selected_engine_version = var.engine_version
    }

    result_configuration {
      output_location = local.results_location

      encryption_configuration {
        encryption_option = var.kms_key_arn == null ? "SSE_S3" : "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }
}

resource "aws_athena_named_query" "this" {
  for_each = var.named_queries

  name        = each.key
  description = local.query_descriptions[each.key]
  workgroup   = aws_athena_workgroup.this.id
  database    = aws_glue_catalog_database.this.name
  query       = each.value
}

# --- The analyst's policy ---------------------------------------------------------------------
# Run and read queries in this workgroup, read this database's tables and the data behind them,
# write query results under results_prefix only. Nothing else: no other workgroup, no catalog
# writes, no object writes or deletes outside the results prefix, no wildcard action, no "*"
# resource. tests/analytics.tftest.hcl pins every statement.

locals {
  # "arn:<partition>:glue:<region>:<account>", taken from the database's ARN so the module needs
  # no aws_region data source (its attribute names differ between provider 5.x and 6.x).
  glue_arn_prefix = regex("^arn:[^:]+:glue:[^:]+:[0-9]+", aws_glue_catalog_database.this.arn)
  region          = split(":", local.glue_arn_prefix)[3]

  glue_resources = concat(
    ["${local.glue_arn_prefix}:catalog", "${local.glue_arn_prefix}:database/${var.database_name}"],
    # Each table by name rather than table/<db>/*: GetTables returns only the tables allowed here.
    [for t in sort(keys(local.tables)) : "${local.glue_arn_prefix}:table/${var.database_name}/${t}"],
  )

  # The pipeline's prefixes the tables read.
  data_prefixes = ["reports/", "manifests/", "errors/"]
}

data "aws_iam_policy_document" "query" {
  # Queries and named queries, only in this workgroup (every action here supports the workgroup
  # resource type). Not granted: Create/DeleteNamedQuery, workgroup changes, other workgroups.
  statement {
    sid    = "RunQueriesInWorkgroup"
    effect = "Allow"
    actions = [
      "athena:BatchGetNamedQuery",
      "athena:BatchGetQueryExecution",
      "athena:GetNamedQuery",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:GetQueryResultsStream",
      "athena:GetQueryRuntimeStatistics",
      "athena:GetWorkGroup",
      "athena:ListNamedQueries",
      "athena:ListQueryExecutions",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
    ]
    resources = [aws_athena_workgroup.this.arn]
  }

  # Athena reads table definitions from Glue with the caller's permissions: read-only, this
  # database and its tables only (partitions come from projection; GetPartition(s) serve DDL
  # such as SHOW PARTITIONS).
  statement {
    sid    = "ReadCatalogTables"
    effect = "Allow"
    actions = [
      "glue:GetDatabase",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:GetTable",
      "glue:GetTables",
    ]
    resources = local.glue_resources
  }

  # The data behind the tables (Athena reads S3 with the caller's permissions).
  statement {
    sid       = "ReadPipelineOutputs"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [for p in local.data_prefixes : "${var.output_bucket_arn}/${p}*"]
  }

  statement {
    sid       = "ReadInputObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.input_bucket_arn}/*"]
  }

  # Listing the output bucket only under the tables' prefixes and the results prefix.
  statement {
    sid       = "ListOutputPrefixes"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.output_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [for p in concat(local.data_prefixes, [var.results_prefix]) : "${p}*"]
    }
  }

  # The orders table is the whole input bucket (location s3://<input>/), so no prefix to pin.
  statement {
    sid       = "ListInputBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.input_bucket_arn]
  }

  statement {
    sid       = "LocateBuckets"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.input_bucket_arn, var.output_bucket_arn]
  }

  # Athena writes each query's result (and metadata) under the results prefix with the caller's
  # permissions, and reads it back for GetQueryResults.
  statement {
    sid    = "ReadWriteQueryResults"
    effect = "Allow"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]
    resources = ["${var.output_bucket_arn}/${var.results_prefix}*"]
  }

  # Only with a customer-managed key: decrypt the SSE-KMS data and results, encrypt new results;
  # only on that key and only when S3 uses it on the caller's behalf.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "UseStackKeyThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}

resource "aws_iam_policy" "query" {
  count = var.create_query_policy ? 1 : 0

  name        = "${var.name_prefix}-analytics-query"
  description = "Run the orders-pipeline Athena queries in workgroup ${local.workgroup_name} over database ${var.database_name}, and nothing more."
  policy      = data.aws_iam_policy_document.query.json
  tags        = var.tags
}
