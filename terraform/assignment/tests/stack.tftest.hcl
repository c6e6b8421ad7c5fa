# Plan-only tests of the root stack with a mocked AWS provider: no credentials, no network.
# The overrides fix what AWS would compute (account, ARNs, URLs) so every value is known at plan.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  override_data {
    target = data.aws_caller_identity.current
    values = {
      account_id = "111122223333"
    }
  }

  override_data {
    target = data.aws_partition.current
    values = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  override_data {
    target = module.ecr.data.aws_caller_identity.current
    values = {
      account_id = "111122223333"
    }
  }

  # Resource attributes AWS computes, fixed at plan time so the policies are fully known.
  override_resource {
    target          = module.input_bucket.aws_s3_bucket.this
    override_during = plan
    values = {
      id  = "nmd-assignment-jane-doe-input-111122223333"
      arn = "arn:aws:s3:::nmd-assignment-jane-doe-input-111122223333"
    }
  }

  override_resource {
    target          = module.output_bucket.aws_s3_bucket.this
    override_during = plan
    values = {
      id  = "nmd-assignment-jane-doe-output-111122223333"
      arn = "arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333"
    }
  }

  override_resource {
    target          = module.access_logs_bucket.aws_s3_bucket.this
    override_during = plan
    values = {
      id  = "nmd-assignment-jane-doe-logs-111122223333"
      arn = "arn:aws:s3:::nmd-assignment-jane-doe-logs-111122223333"
    }
  }

  override_resource {
    target          = module.ingest.aws_sqs_queue.this
    override_during = plan
    values = {
      arn = "arn:aws:sqs:us-west-2:111122223333:nmd-assignment-jane-doe-orders"
      id  = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders"
      url = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders"
    }
  }

  override_resource {
    target          = module.ingest.aws_sqs_queue.dlq
    override_during = plan
    values = {
      arn = "arn:aws:sqs:us-west-2:111122223333:nmd-assignment-jane-doe-orders-dlq"
      id  = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders-dlq"
      url = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders-dlq"
    }
  }

  override_resource {
    target          = module.lambda.aws_cloudwatch_log_group.this
    override_during = plan
    values = {
      arn = "arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/nmd-assignment-jane-doe-handler"
    }
  }

  override_resource {
    target          = module.lambda.aws_lambda_function.this
    override_during = plan
    values = {
      arn = "arn:aws:lambda:us-west-2:111122223333:function:nmd-assignment-jane-doe-handler"
    }
  }

  override_resource {
    target          = module.ecr.aws_ecr_repository.this
    override_during = plan
    values = {
      arn            = "arn:aws:ecr:us-west-2:111122223333:repository/nmd-assignment-jane-doe"
      repository_url = "111122223333.dkr.ecr.us-west-2.amazonaws.com/nmd-assignment-jane-doe"
    }
  }
}

variables {
  candidate_name = "Jane_Doe"
  aws_profile    = "test-profile"
  image_uri      = "111122223333.dkr.ecr.us-west-2.amazonaws.com/nmd-assignment-jane-doe@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
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
      MAX_INPUT_BYTES              = "2147483648"
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
    condition     = length(output.alarm_names) == 4 && output.alarm_topic_arn == null
    error_message = "Four alarms, and no topic without alarm_email."
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

run "rejects_input_limit_beyond_ephemeral_storage" {
  command = plan

  variables {
    max_input_bytes             = 2147483648
    lambda_ephemeral_storage_mb = 2048
  }

  expect_failures = [var.max_input_bytes]
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
