# Plan-only tests with a mocked AWS provider: no credentials, no network.
# The table contract (names, columns, locations, SerDes, projection) is what the named queries
# (cli/queries/*.sql) and the DuckDB views (cli/query.py) rely on; the analyst policy is pinned
# statement by statement, so a change that widens it fails here. The named queries here are small
# stand-ins: the root stack's tests check that it passes the package's real files.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  override_data {
    target = data.aws_partition.current
    values = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  # Resource attributes AWS computes, fixed at plan time so the policy is fully known.
  override_resource {
    target          = aws_glue_catalog_database.this
    override_during = plan
    values = {
      arn = "arn:aws:glue:us-west-2:111122223333:database/orders_test"
    }
  }

  override_resource {
    target          = aws_athena_workgroup.this
    override_during = plan
    values = {
      id  = "orders-test-analytics"
      arn = "arn:aws:athena:us-west-2:111122223333:workgroup/orders-test-analytics"
    }
  }
}

variables {
  name_prefix        = "orders-test"
  database_name      = "orders_test"
  input_bucket_name  = "orders-test-input"
  input_bucket_arn   = "arn:aws:s3:::orders-test-input"
  output_bucket_name = "orders-test-output"
  output_bucket_arn  = "arn:aws:s3:::orders-test-output"
  named_queries = {
    first_query  = "-- What the first query answers,\n-- over two lines.\n--\n-- Details that stay out.\nSELECT 1\n"
    second_query = "SELECT region FROM most_profitable_region\n"
  }
}

run "report_tables_use_partition_projection" {
  command = plan

  assert {
    condition = sort(keys(aws_glue_catalog_table.this)) == sort([
      "most_profitable_region", "most_common_ship_mode_by_category",
      "orders_by_category_and_sub_category", "rejected_rows", "orders", "manifests", "errors",
    ])
    error_message = "Expected exactly the four report tables, orders, manifests and errors."
  }

  assert {
    condition     = alltrue([for t in aws_glue_catalog_table.this : t.database_name == "orders_test" && t.table_type == "EXTERNAL_TABLE"])
    error_message = "Every table must be an EXTERNAL_TABLE in the module's database."
  }

  assert {
    condition = {
      for name in ["most_profitable_region", "most_common_ship_mode_by_category", "orders_by_category_and_sub_category", "rejected_rows"] :
      name => [for c in aws_glue_catalog_table.this[name].storage_descriptor[0].columns : "${c.name}:${c.type}"]
      } == {
      most_profitable_region              = ["region:string", "total_profit:string"]
      most_common_ship_mode_by_category   = ["category:string", "ship_mode:string", "order_count:string"]
      orders_by_category_and_sub_category = ["category:string", "sub_category:string", "order_count:string"]
      rejected_rows                       = ["line:string", "reason:string"]
    }
    error_message = "Report table columns must be exactly the contract's, in order, all string."
  }

  assert {
    condition = alltrue([
      for name, location in {
        most_profitable_region              = "reports/most_profitable_region/"
        most_common_ship_mode_by_category   = "reports/most_common_ship_mode_by_category/"
        orders_by_category_and_sub_category = "reports/orders_by_category_and_sub_category/"
        rejected_rows                       = "reports/rejected_rows/"
        manifests                           = "manifests/"
        errors                              = "errors/"
      } :
      aws_glue_catalog_table.this[name].storage_descriptor[0].location == "s3://orders-test-output/${location}" &&
      [for k in aws_glue_catalog_table.this[name].partition_keys : "${k.name}:${k.type}"] == ["ingest_date:string"] &&
      { for k, v in aws_glue_catalog_table.this[name].parameters : k => v if !contains(["classification", "skip.header.line.count"], k) } == {
        "projection.enabled"                   = "true"
        "projection.ingest_date.type"          = "date"
        "projection.ingest_date.format"        = "yyyy-MM-dd"
        "projection.ingest_date.range"         = "2020-01-01,NOW"
        "projection.ingest_date.interval"      = "1"
        "projection.ingest_date.interval.unit" = "DAYS"
        "storage.location.template"            = "s3://orders-test-output/${location}ingest_date=$${ingest_date}"
      }
    ])
    error_message = "The report, manifest and error tables must live under their prefix, be partitioned by ingest_date (string) and project it by day from 2020-01-01 to NOW with the literal $${ingest_date} template."
  }

  assert {
    condition     = output.table_locations["most_profitable_region"] == "s3://orders-test-output/reports/most_profitable_region/"
    error_message = "table_locations must report each table's location."
  }
}

run "csv_and_json_formats" {
  command = plan

  assert {
    condition = alltrue([
      for name in ["most_profitable_region", "most_common_ship_mode_by_category", "orders_by_category_and_sub_category", "rejected_rows", "orders"] :
      aws_glue_catalog_table.this[name].storage_descriptor[0].ser_de_info[0].serialization_library == "org.apache.hadoop.hive.serde2.OpenCSVSerde" &&
      aws_glue_catalog_table.this[name].storage_descriptor[0].ser_de_info[0].parameters == tomap({ separatorChar = ",", quoteChar = "\"" }) &&
      aws_glue_catalog_table.this[name].parameters["skip.header.line.count"] == "1" &&
      aws_glue_catalog_table.this[name].parameters["classification"] == "csv" &&
      alltrue([for c in aws_glue_catalog_table.this[name].storage_descriptor[0].columns : c.type == "string"])
    ])
    error_message = "CSV tables must use OpenCSVSerde (',' and '\"'), skip the header and type every column string."
  }

  assert {
    condition = alltrue([
      for t in aws_glue_catalog_table.this :
      t.storage_descriptor[0].input_format == "org.apache.hadoop.mapred.TextInputFormat" &&
      t.storage_descriptor[0].output_format == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    ])
    error_message = "Every table must use TextInputFormat / HiveIgnoreKeyTextOutputFormat."
  }

  assert {
    condition = (
      aws_glue_catalog_table.this["orders"].storage_descriptor[0].location == "s3://orders-test-input/" &&
      length(aws_glue_catalog_table.this["orders"].partition_keys) == 0 &&
      [for c in aws_glue_catalog_table.this["orders"].storage_descriptor[0].columns : c.name] == [
        "order_id", "order_date", "ship_mode", "segment", "country", "city", "state", "postal_code",
        "region", "category", "sub_category", "product_id", "cost_price", "list_price", "quantity",
        "discount_percent",
      ] &&
      aws_glue_catalog_table.this["orders"].parameters == tomap({ classification = "csv", "skip.header.line.count" = "1" })
    )
    error_message = "The orders table must read the whole input bucket, unpartitioned, with the brief's 16 columns in header order."
  }

  assert {
    condition = alltrue([
      for name in ["manifests", "errors"] :
      aws_glue_catalog_table.this[name].storage_descriptor[0].ser_de_info[0].serialization_library == "org.openx.data.jsonserde.JsonSerDe" &&
      aws_glue_catalog_table.this[name].parameters["classification"] == "json" &&
      !contains(keys(aws_glue_catalog_table.this[name].parameters), "skip.header.line.count")
    ])
    error_message = "manifests and errors must be OpenX JSON tables without a header skip."
  }

  assert {
    condition = [for c in aws_glue_catalog_table.this["manifests"].storage_descriptor[0].columns : "${c.name} ${c.type}"] == [
      "manifest_version int",
      "source_id string",
      "input struct<bucket:string,key:string,version_id:string,etag:string,size:bigint,last_modified:string>",
      "compressed boolean",
      "data_bytes bigint",
      "rows_read bigint",
      "rows_valid bigint",
      "rows_rejected bigint",
      "rows_skipped_blank bigint",
      "rejects_by_reason map<string,bigint>",
      "rejected_rows_truncated bigint",
      "outputs map<string,string>",
      "code_version string",
      "engine_duration_seconds double",
      "duration_seconds double",
      "processed_at string",
    ]
    error_message = "manifests columns differ from the contract."
  }

  assert {
    condition = [for c in aws_glue_catalog_table.this["errors"].storage_descriptor[0].columns : "${c.name} ${c.type}"] == [
      "manifest_version int",
      "source_id string",
      "input struct<bucket:string,key:string,version_id:string,etag:string,size:bigint,last_modified:string>",
      "error_type string",
      "message string",
      "code_version string",
      "recorded_at string",
    ]
    error_message = "errors columns differ from the contract."
  }
}

run "workgroup_is_enforced_encrypted_and_capped" {
  command = plan

  assert {
    condition     = aws_athena_workgroup.this.name == "orders-test-analytics" && aws_athena_workgroup.this.state == "ENABLED"
    error_message = "The workgroup must be <name_prefix>-analytics and enabled."
  }

  assert {
    condition = (
      aws_athena_workgroup.this.configuration[0].enforce_workgroup_configuration == true &&
      aws_athena_workgroup.this.configuration[0].publish_cloudwatch_metrics_enabled == true &&
      aws_athena_workgroup.this.configuration[0].bytes_scanned_cutoff_per_query == 1073741824 &&
      aws_athena_workgroup.this.configuration[0].engine_version[0].selected_engine_version == "Athena engine version 3"
    )
    error_message = "The workgroup must enforce its configuration, publish metrics, cap scans at 1 GiB and run engine version 3 by default."
  }

  assert {
    condition = (
      aws_athena_workgroup.this.configuration[0].result_configuration[0].output_location == "s3://orders-test-output/athena-results/" &&
      aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option == "SSE_S3" &&
      aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].kms_key_arn == null &&
      output.results_location == "s3://orders-test-output/athena-results/"
    )
    error_message = "Without a KMS key, results must go to s3://<output>/athena-results/ with SSE_S3."
  }
}

run "one_named_query_per_entry" {
  command = plan

  assert {
    condition     = jsonencode(sort(keys(aws_athena_named_query.this))) == jsonencode(["first_query", "second_query"])
    error_message = "Every entry of named_queries must become exactly one named query, named by its key."
  }

  assert {
    condition = alltrue([
      for name, q in aws_athena_named_query.this :
      q.name == name && q.workgroup == "orders-test-analytics" && q.database == "orders_test" &&
      q.query == var.named_queries[name]
    ])
    error_message = "Each named query must carry its SQL, in the module's workgroup and database."
  }

  assert {
    condition = (
      aws_athena_named_query.this["first_query"].description == "What the first query answers, over two lines." &&
      aws_athena_named_query.this["second_query"].description == "Athena named query second_query"
    )
    error_message = "The description is the SQL's leading comment paragraph on one line, or a default without one."
  }

  assert {
    condition     = keys(output.named_query_ids) == keys(aws_athena_named_query.this)
    error_message = "named_query_ids must list every named query."
  }
}

run "no_named_queries_for_an_empty_map" {
  command = plan

  variables {
    named_queries = {}
  }

  assert {
    condition     = length(aws_athena_named_query.this) == 0
    error_message = "Without named_queries the module creates none."
  }
}

run "rejects_bad_query_names_and_blank_sql" {
  command = plan

  variables {
    named_queries = { "bad name" = "SELECT 1", blank = "  \n" }
  }

  expect_failures = [var.named_queries]
}

run "query_policy_is_exactly_the_contract" {
  command = plan

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.query.statement : {
      sid           = s.sid
      effect        = s.effect
      actions       = sort(s.actions)
      resources     = sort(s.resources)
      condition     = { for c in s.condition : "${c.test} ${c.variable}" => sort(c.values) }
      not_actions   = s.not_actions
      not_resources = s.not_resources
      principals    = length(s.principals) + length(s.not_principals)
      }]) == jsonencode([
      {
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
        resources     = ["arn:aws:athena:us-west-2:111122223333:workgroup/orders-test-analytics"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid     = "ReadCatalogTables"
        effect  = "Allow"
        actions = ["glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables"]
        resources = [
          "arn:aws:glue:us-west-2:111122223333:catalog",
          "arn:aws:glue:us-west-2:111122223333:database/orders_test",
          "arn:aws:glue:us-west-2:111122223333:table/orders_test/errors",
          "arn:aws:glue:us-west-2:111122223333:table/orders_test/manifests",
          "arn:aws:glue:us-west-2:111122223333:table/orders_test/most_common_ship_mode_by_category",
          "arn:aws:glue:us-west-2:111122223333:table/orders_test/most_profitable_region",
          "arn:aws:glue:us-west-2:111122223333:table/orders_test/orders",
          "arn:aws:glue:us-west-2:111122223333:table/orders_test/orders_by_category_and_sub_category",
          "arn:aws:glue:us-west-2:111122223333:table/orders_test/rejected_rows",
        ]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid     = "ReadPipelineOutputs"
        effect  = "Allow"
        actions = ["s3:GetObject"]
        resources = [
          "arn:aws:s3:::orders-test-output/errors/*",
          "arn:aws:s3:::orders-test-output/manifests/*",
          "arn:aws:s3:::orders-test-output/reports/*",
        ]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "ReadInputObjects"
        effect        = "Allow"
        actions       = ["s3:GetObject"]
        resources     = ["arn:aws:s3:::orders-test-input/*"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "ListOutputPrefixes"
        effect        = "Allow"
        actions       = ["s3:ListBucket"]
        resources     = ["arn:aws:s3:::orders-test-output"]
        condition     = { "StringLike s3:prefix" = ["athena-results/*", "errors/*", "manifests/*", "reports/*"] }
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "ListInputBucket"
        effect        = "Allow"
        actions       = ["s3:ListBucket"]
        resources     = ["arn:aws:s3:::orders-test-input"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "LocateBuckets"
        effect        = "Allow"
        actions       = ["s3:GetBucketLocation"]
        resources     = ["arn:aws:s3:::orders-test-input", "arn:aws:s3:::orders-test-output"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "ReadWriteQueryResults"
        effect        = "Allow"
        actions       = ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"]
        resources     = ["arn:aws:s3:::orders-test-output/athena-results/*"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
    ])
    error_message = "The analyst policy differs from its contract (see the module README and terraform/README.md)."
  }

  assert {
    condition     = length(aws_iam_policy.query) == 1 && aws_iam_policy.query[0].name == "orders-test-analytics-query"
    error_message = "The policy must be created by default, named <name_prefix>-analytics-query."
  }
}

run "query_policy_has_no_wildcards_or_writes" {
  command = plan

  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.query.statement : [for a in s.actions : !strcontains(a, "*")]]))
    error_message = "No action may contain a wildcard."
  }

  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.query.statement : [for r in s.resources : !strcontains(r, "*") || can(regex("^arn:aws:s3:::orders-test-(input|output)/[a-z-]*/?\\*$", r))]]))
    error_message = "The only '*' allowed is the trailing one of an S3 object prefix (\"<bucket>/<prefix>/*\"); no \"*\" resource."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.query.statement : s.effect == "Allow" && s.not_actions == null && s.not_resources == null])
    error_message = "Only plain Allow statements (no NotAction/NotResource)."
  }

  assert {
    condition = !anytrue(flatten([for s in data.aws_iam_policy_document.query.statement : [
      for a in s.actions : can(regex("^(s3:(Delete|PutBucket|PutObjectAcl|PutLifecycle)|glue:(Create|Update|Delete|BatchCreate|BatchDelete)|athena:(Create|Delete|Update))", a))
    ]]))
    error_message = "The analyst may not delete objects, change buckets, write the catalog or change Athena resources."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.query.statement :
      alltrue([for r in s.resources : startswith(r, "arn:aws:s3:::orders-test-output/athena-results/")])
      if contains(s.actions, "s3:PutObject")
    ])
    error_message = "Objects may be written only under athena-results/."
  }

  assert {
    condition     = !anytrue(flatten([for s in data.aws_iam_policy_document.query.statement : [for a in s.actions : startswith(a, "kms:")]]))
    error_message = "Without a customer-managed key the policy must grant no KMS permission."
  }
}

run "kms_key_encrypts_results_and_is_granted_through_s3_only" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = (
      aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option == "SSE_KMS" &&
      aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].kms_key_arn == var.kms_key_arn
    )
    error_message = "With a KMS key, results must be SSE_KMS with that key."
  }

  assert {
    condition     = length(data.aws_iam_policy_document.query.statement) == 9
    error_message = "A customer-managed key must add exactly one statement."
  }

  assert {
    condition = jsonencode([for s in slice(data.aws_iam_policy_document.query.statement, 8, 9) : {
      sid       = s.sid
      effect    = s.effect
      actions   = sort(s.actions)
      resources = sort(s.resources)
      condition = { for c in s.condition : "${c.test} ${c.variable}" => sort(c.values) }
      }]) == jsonencode([{
      sid       = "UseStackKeyThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
      condition = { "StringEquals kms:ViaService" = ["s3.us-west-2.amazonaws.com"] }
    }])
    error_message = "KMS grants must be kms:Decrypt and kms:GenerateDataKey on the configured key, through S3 only."
  }
}

run "tuning_reaches_the_workgroup_and_tables" {
  command = plan

  variables {
    bytes_scanned_cutoff_per_query = 10485760
    engine_version                 = "AUTO"
    projection_start_date          = "2026-01-31"
    results_prefix                 = "tmp/athena/"
    force_destroy                  = true
  }

  assert {
    condition = (
      aws_athena_workgroup.this.configuration[0].bytes_scanned_cutoff_per_query == 10485760 &&
      aws_athena_workgroup.this.configuration[0].engine_version[0].selected_engine_version == "AUTO" &&
      aws_athena_workgroup.this.configuration[0].result_configuration[0].output_location == "s3://orders-test-output/tmp/athena/" &&
      aws_athena_workgroup.this.force_destroy == true
    )
    error_message = "Cutoff, engine, results prefix and force_destroy must reach the workgroup."
  }

  assert {
    condition     = aws_glue_catalog_table.this["rejected_rows"].parameters["projection.ingest_date.range"] == "2026-01-31,NOW"
    error_message = "projection_start_date must start the projected range."
  }

  assert {
    condition = jsonencode([
      for s in data.aws_iam_policy_document.query.statement : sort(s.resources) if contains(["ReadWriteQueryResults", "ListOutputPrefixes"], s.sid)
      ]) == jsonencode([
      ["arn:aws:s3:::orders-test-output"],
      ["arn:aws:s3:::orders-test-output/tmp/athena/*"],
    ])
    error_message = "The results grant must follow results_prefix."
  }

  assert {
    condition = jsonencode([
      for s in data.aws_iam_policy_document.query.statement : [for c in s.condition : sort(c.values)] if s.sid == "ListOutputPrefixes"
    ]) == jsonencode([[["errors/*", "manifests/*", "reports/*", "tmp/athena/*"]]])
    error_message = "Listing must follow results_prefix."
  }
}

run "query_policy_can_be_turned_off" {
  command = plan

  variables {
    create_query_policy = false
  }

  assert {
    condition     = length(aws_iam_policy.query) == 0 && output.query_policy_arn == null
    error_message = "Without create_query_policy no policy is created and its ARN is null."
  }
}

run "rejects_cutoff_below_the_athena_minimum" {
  command = plan

  variables {
    bytes_scanned_cutoff_per_query = 10485759
  }

  expect_failures = [var.bytes_scanned_cutoff_per_query]
}

run "rejects_unknown_engine_and_bad_dates" {
  command = plan

  variables {
    engine_version        = "Athena engine version 2"
    projection_start_date = "2020-02-30"
  }

  expect_failures = [var.engine_version, var.projection_start_date]
}

run "rejects_undashed_date" {
  command = plan

  variables {
    projection_start_date = "20200101"
  }

  expect_failures = [var.projection_start_date]
}

run "rejects_names_athena_and_glue_refuse" {
  command = plan

  variables {
    database_name = "orders-test"
    name_prefix   = "orders test"
  }

  expect_failures = [var.database_name, var.name_prefix]
}

run "rejects_results_prefix_inside_the_data" {
  command = plan

  variables {
    results_prefix = "reports/athena/"
  }

  expect_failures = [var.results_prefix]
}

run "rejects_results_prefix_without_slash_or_with_wildcard" {
  command = plan

  variables {
    results_prefix = "athena-*"
  }

  expect_failures = [var.results_prefix]
}

run "rejects_bucket_name_as_arn_and_kms_alias" {
  command = plan

  variables {
    output_bucket_arn = "orders-test-output"
    kms_key_arn       = "alias/aws/s3"
  }

  expect_failures = [var.output_bucket_arn, var.kms_key_arn]
}
