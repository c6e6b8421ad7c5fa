# Plan-only tests of the root stack with a mocked AWS provider: no credentials, no network.

# The AWS provider is mocked by tests/mocks/aws.tfmock.hcl; the stack's variables come from
# tests/terraform.tfvars. Both are shared with the other test file of this folder.
mock_provider "aws" {
  source = "./tests/mocks"
}

run "names_derive_from_project_and_candidate" {
  command = plan

  assert {
    condition     = local.name_prefix == "nmd-assignment-jane-doe"
    error_message = "candidate_name must be lower-cased with '_' turned into '-'."
  }

  assert {
    condition = jsonencode([
      module.input_bucket.name,
      module.output_bucket.name,
      module.access_logs_bucket[0].name,
      module.ecr.repository_name,
      module.lambda.function_name,
      module.lambda.role_name,
      module.lambda.log_group_name,
      module.ingest.queue_name,
      module.ingest.dlq_name,
      ]) == jsonencode([
      "nmd-assignment-jane-doe-input-111122223333",
      "nmd-assignment-jane-doe-output-111122223333",
      "nmd-assignment-jane-doe-logs-111122223333",
      "nmd-assignment-jane-doe",
      "nmd-assignment-jane-doe-handler",
      "nmd-assignment-jane-doe-handler-role",
      "/aws/lambda/nmd-assignment-jane-doe-handler",
      "nmd-assignment-jane-doe-orders",
      "nmd-assignment-jane-doe-orders-dlq",
    ])
    error_message = "Resource names must derive from <project>-<candidate_name>."
  }
}

run "longest_names_fit_every_service" {
  command = plan

  variables {
    project        = "abcdefghij_klmnopqrs"
    candidate_name = "ABCDEFGHIJ-klmnopqrs"
  }

  assert {
    condition     = length(module.output_bucket.name) <= 63 && length(module.input_bucket.name) <= 63 && length(module.access_logs_bucket[0].name) <= 63
    error_message = "Bucket names must fit S3's 63 characters."
  }

  assert {
    condition     = length(module.lambda.role_name) <= 64 && length(module.lambda.function_name) <= 64 && length(module.ingest.dlq_name) <= 80
    error_message = "Role, function and queue names must fit IAM, Lambda and SQS limits."
  }

  assert {
    condition     = local.name_prefix == "abcdefghij-klmnopqrs-abcdefghij-klmnopqrs"
    error_message = "Upper case and '_' must be normalised."
  }
}

run "cli_outputs" {
  command = plan

  assert {
    condition = alltrue([for v in [
      output.input_bucket_name, output.input_bucket_arn, output.output_bucket_name, output.output_bucket_arn,
      output.queue_url, output.queue_arn, output.dlq_url, output.dlq_arn, output.function_name,
      output.ecr_repository_url, output.log_group_name, output.region,
    ] : v != null && v != ""])
    error_message = "Every output the orders CLI reads must be set."
  }

  assert {
    condition     = output.region == "us-west-2" && output.queue_url == "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders"
    error_message = "region and queue_url outputs are wrong."
  }

  assert {
    condition     = output.input_bucket_arn == "arn:aws:s3:::nmd-assignment-jane-doe-input-111122223333" && output.dlq_arn == "arn:aws:sqs:us-west-2:111122223333:nmd-assignment-jane-doe-orders-dlq"
    error_message = "ARN outputs are wrong."
  }
}

run "event_path_wiring" {
  command = plan

  assert {
    condition = jsonencode(module.ingest.notification_rules) == jsonencode([
      { events = ["s3:ObjectCreated:*"], filter_prefix = null, filter_suffix = ".csv" },
      { events = ["s3:ObjectCreated:*"], filter_prefix = null, filter_suffix = ".csv.gz" },
    ])
    error_message = "The input bucket must notify on s3:ObjectCreated:* for .csv and .csv.gz, with no prefix (never '*')."
  }

  assert {
    condition     = module.ingest.visibility_timeout_seconds >= 6 * module.lambda.timeout_seconds
    error_message = "The queue's visibility timeout must be at least 6x the function timeout."
  }

  assert {
    condition     = length(module.lambda.architectures) == 1 && module.lambda.architectures[0] == "arm64"
    error_message = "The function must be arm64 like the image."
  }

  assert {
    condition     = module.lambda.image_uri == var.image_uri
    error_message = "The function must run the digest given in image_uri."
  }

  assert {
    condition = module.lambda.environment_variables == tomap({
      OUTPUT_BUCKET                = "nmd-assignment-jane-doe-output-111122223333"
      MAX_INPUT_BYTES              = "7500000000"
      POWERTOOLS_SERVICE_NAME      = "orders-pipeline"
      POWERTOOLS_METRICS_NAMESPACE = "OrdersPipeline"
      POWERTOOLS_LOG_LEVEL         = "INFO"
    })
    error_message = "The handler's environment is not the agreed one."
  }

  assert {
    condition     = local.function_arn == "arn:aws:lambda:us-west-2:111122223333:function:nmd-assignment-jane-doe-handler"
    error_message = "The function ARN the ECR policy names must match the function."
  }

  assert {
    condition = jsonencode(sort(keys(output.alarm_names))) == jsonencode([
      "dlq-not-empty", "files-failed", "function-errors", "function-throttles", "queue-oldest-message-age",
    ]) && output.alarm_topic_arn == null
    error_message = "Five alarms (the rejected-rows share is off by default), and no topic without alarm_email."
  }

  assert {
    condition = (
      module.alarms.alarm_names["files-failed"] == "nmd-assignment-jane-doe-files-failed" &&
      local.metrics_namespace == module.lambda.environment_variables["POWERTOOLS_METRICS_NAMESPACE"] &&
      local.service_name == module.lambda.environment_variables["POWERTOOLS_SERVICE_NAME"]
    )
    error_message = "The alarms must read the metrics under the namespace and service the function writes them with."
  }
}

run "rejected_rows_share_alarm_on_request" {
  command = plan

  variables {
    alarm_rejected_rows_percent = 5
  }

  assert {
    condition     = output.alarm_names["rejected-rows-share"] == "nmd-assignment-jane-doe-rejected-rows-share"
    error_message = "alarm_rejected_rows_percent must turn on the rejected-rows share alarm."
  }
}

run "rejects_a_share_outside_0_to_100" {
  command = plan

  variables {
    alarm_rejected_rows_percent = 101
  }

  expect_failures = [var.alarm_rejected_rows_percent]
}

run "analytics_wiring" {
  command = plan

  assert {
    condition = (
      output.glue_database_name == "nmd_assignment_jane_doe" &&
      output.athena_workgroup_name == "nmd-assignment-jane-doe-analytics" &&
      output.athena_results_location == "s3://nmd-assignment-jane-doe-output-111122223333/athena-results/" &&
      output.analytics_query_policy_arn == "arn:aws:iam::111122223333:policy/nmd-assignment-jane-doe-analytics-query"
    )
    error_message = "The analytics outputs must name the database (<name_prefix> with '_'), the workgroup, the results location in the output bucket and the analyst policy."
  }

  assert {
    condition = jsonencode(sort(keys(output.named_queries))) == jsonencode([
      "cumulative_most_common_ship_mode_by_category",
      "cumulative_most_profitable_region",
      "cumulative_orders_by_category_and_sub_category",
      "latest_report_per_input",
    ])
    error_message = "named_queries must list one named query per cli/queries/*.sql file."
  }


  assert {
    condition = (
      module.analytics.table_locations["most_profitable_region"] == "s3://nmd-assignment-jane-doe-output-111122223333/reports/most_profitable_region/" &&
      module.analytics.table_locations["manifests"] == "s3://nmd-assignment-jane-doe-output-111122223333/manifests/" &&
      module.analytics.table_locations["orders"] == "s3://nmd-assignment-jane-doe-input-111122223333/" &&
      output.reports_location == "s3://nmd-assignment-jane-doe-output-111122223333/reports/"
    )
    error_message = "The tables must read this stack's output bucket (reports, manifests) and input bucket (orders)."
  }

  assert {
    condition = (
      contains(module.output_bucket.lifecycle_rule_ids, "expire-athena-results/") &&
      !contains(module.input_bucket.lifecycle_rule_ids, "expire-athena-results/")
    )
    error_message = "The output bucket (only) must expire athena-results/."
  }
}

run "analytics_policy_can_be_turned_off" {
  command = plan

  variables {
    analytics_query_policy_enabled = false
  }

  assert {
    condition     = output.analytics_query_policy_arn == null
    error_message = "analytics_query_policy_arn must be null when the policy is off."
  }
}

run "first_apply_creates_only_the_repository" {
  command = plan

  variables {
    image_uri = null
  }

  plan_options {
    target = [module.ecr]
  }

  assert {
    condition     = module.ecr.repository_url == "111122223333.dkr.ecr.us-west-2.amazonaws.com/nmd-assignment-jane-doe"
    error_message = "The targeted first apply must plan the ECR repository without an image."
  }
}

run "rejects_candidate_names_services_refuse" {
  command = plan

  variables {
    candidate_name = "jane.doe"
  }

  expect_failures = [var.candidate_name]
}

run "rejects_separator_runs_and_edges" {
  command = plan

  variables {
    candidate_name = "-jane__doe"
  }

  expect_failures = [var.candidate_name]
}

run "rejects_long_candidate_names" {
  command = plan

  variables {
    candidate_name = "abcdefghijklmnopqrstu"
  }

  expect_failures = [var.candidate_name]
}

run "rejects_bad_project_env_region" {
  command = plan

  variables {
    project     = "sthree-orders"
    env         = "Prod!"
    region_name = "oregon"
  }

  expect_failures = [var.project, var.env, var.region_name]
}

run "rejects_tagged_image" {
  command = plan

  variables {
    image_uri = "111122223333.dkr.ecr.us-west-2.amazonaws.com/nmd-assignment-jane-doe:latest"
  }

  expect_failures = [var.image_uri]
}

run "rejects_input_limit_beyond_time_budget" {
  command = plan

  variables {
    max_input_bytes        = 2147483648
    lambda_timeout_seconds = 60
  }

  expect_failures = [var.max_input_bytes]
}

run "rejects_athena_cutoff_below_minimum_and_zero_day_results" {
  command = plan

  variables {
    athena_bytes_scanned_cutoff_per_query = 1048576
    athena_results_expiration_days        = 0
  }

  expect_failures = [var.athena_bytes_scanned_cutoff_per_query, var.athena_results_expiration_days]
}

run "access_logging_can_be_turned_off" {
  command = plan

  variables {
    access_logging_enabled = false
    alarm_email            = "oncall@example.com"
  }

  assert {
    condition     = length(module.access_logs_bucket) == 0 && output.access_logs_bucket_name == null
    error_message = "No access-log bucket when access logging is off."
  }
}
