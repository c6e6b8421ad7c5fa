# Plan-only tests with a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  function_name = "orders-test-handler"
  image_uri     = "111122223333.dkr.ecr.us-west-2.amazonaws.com/orders-test@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  policy_json   = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Only\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::in/*\"}]}"
  environment_variables = {
    OUTPUT_BUCKET = "orders-test-output"
  }
}

run "container_image_on_arm64" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.package_type == "Image" && aws_lambda_function.this.image_uri == var.image_uri
    error_message = "The function must run the given container image."
  }

  assert {
    condition     = length(aws_lambda_function.this.architectures) == 1 && aws_lambda_function.this.architectures[0] == "arm64"
    error_message = "The function must be arm64, the platform the image is built for."
  }

  assert {
    condition     = length(aws_lambda_function.this.image_config) == 0
    error_message = "image_config must stay unset: the image's CMD names the handler."
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 3072 && aws_lambda_function.this.timeout == 300 && one(aws_lambda_function.this.ephemeral_storage).size == 512
    error_message = "Unexpected default memory, timeout or ephemeral storage."
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "No reserved concurrency by default."
  }
}

run "observability" {
  command = plan

  assert {
    condition     = one(aws_lambda_function.this.tracing_config).mode == "Active"
    error_message = "X-Ray tracing must be active."
  }

  assert {
    condition     = one(aws_lambda_function.this.logging_config).log_format == "JSON" && one(aws_lambda_function.this.logging_config).application_log_level == "INFO"
    error_message = "Logs must be JSON with the INFO application level."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/orders-test-handler" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The log group must be /aws/lambda/<function> with a 30-day retention."
  }

  assert {
    condition     = one(aws_lambda_function.this.logging_config).log_group == "/aws/lambda/orders-test-handler"
    error_message = "The function must log to the managed log group."
  }

  assert {
    condition     = aws_lambda_function_recursion_config.this.recursive_loop == "Terminate"
    error_message = "Recursive loops must be terminated."
  }

  assert {
    condition     = one(aws_lambda_function.this.environment).variables == tomap({ OUTPUT_BUCKET = "orders-test-output" })
    error_message = "The environment must be exactly the given variables."
  }
}

run "role_gets_only_the_given_policy" {
  command = plan

  assert {
    condition     = aws_iam_role_policy.this.policy == var.policy_json
    error_message = "The role's inline policy must be exactly policy_json."
  }

  assert {
    condition     = aws_iam_role.this.name == "orders-test-handler-role"
    error_message = "The role must be named <function>-role."
  }

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.assume_role.statement : {
      effect     = s.effect
      actions    = sort(s.actions)
      principals = [for p in s.principals : [p.type, sort(p.identifiers)]]
      }]) == jsonencode([{
      effect     = "Allow"
      actions    = ["sts:AssumeRole"]
      principals = [["Service", ["lambda.amazonaws.com"]]]
    }])
    error_message = "Only the Lambda service may assume the role."
  }
}

run "tuning_variables" {
  command = plan

  variables {
    memory_size_mb       = 1024
    timeout_seconds      = 900
    ephemeral_storage_mb = 10240
    reserved_concurrency = 5
    log_level            = "DEBUG"
    log_retention_days   = 365
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 1024 && aws_lambda_function.this.timeout == 900 && one(aws_lambda_function.this.ephemeral_storage).size == 10240
    error_message = "Tuning variables must reach the function."
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 5 && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "Reserved concurrency and log retention must follow the variables."
  }
}

run "rejects_tag_image" {
  command = plan

  variables {
    image_uri = "111122223333.dkr.ecr.us-west-2.amazonaws.com/orders-test:latest"
  }

  expect_failures = [var.image_uri]
}

run "rejects_missing_image" {
  command = plan

  variables {
    image_uri = null
  }

  expect_failures = [var.image_uri]
}

run "rejects_short_digest" {
  command = plan

  variables {
    image_uri = "111122223333.dkr.ecr.us-west-2.amazonaws.com/orders-test@sha256:0123456789abcdef"
  }

  expect_failures = [var.image_uri]
}

run "rejects_out_of_range_tuning" {
  command = plan

  variables {
    memory_size_mb       = 64
    timeout_seconds      = 901
    ephemeral_storage_mb = 256
    reserved_concurrency = 0
    log_retention_days   = 10
  }

  expect_failures = [
    var.memory_size_mb,
    var.timeout_seconds,
    var.ephemeral_storage_mb,
    var.reserved_concurrency,
    var.log_retention_days,
  ]
}

run "rejects_reserved_environment_names" {
  command = plan

  variables {
    environment_variables = { AWS_REGION = "us-east-1" }
  }

  expect_failures = [var.environment_variables]
}

run "rejects_non_json_policy" {
  command = plan

  variables {
    policy_json = "not json"
  }

  expect_failures = [var.policy_json]
}
