# Plan-only tests with a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  override_resource {
    target          = aws_sqs_queue.this
    override_during = plan
    values = {
      arn = "arn:aws:sqs:us-west-2:111122223333:orders-test"
      id  = "https://sqs.us-west-2.amazonaws.com/111122223333/orders-test"
      url = "https://sqs.us-west-2.amazonaws.com/111122223333/orders-test"
    }
  }

  override_resource {
    target          = aws_sqs_queue.dlq
    override_during = plan
    values = {
      arn = "arn:aws:sqs:us-west-2:111122223333:orders-test-dlq"
      id  = "https://sqs.us-west-2.amazonaws.com/111122223333/orders-test-dlq"
      url = "https://sqs.us-west-2.amazonaws.com/111122223333/orders-test-dlq"
    }
  }
}

variables {
  queue_name               = "orders-test"
  source_bucket_name       = "orders-test-input"
  source_bucket_arn        = "arn:aws:s3:::orders-test-input"
  source_account_id        = "111122223333"
  function_arn             = "arn:aws:lambda:us-west-2:111122223333:function:orders-test-handler"
  function_timeout_seconds = 300
}

run "notification_filters" {
  command = plan

  assert {
    condition     = aws_s3_bucket_notification.this.bucket == "orders-test-input"
    error_message = "The notification must be on the source bucket."
  }

  assert {
    condition = jsonencode([for q in aws_s3_bucket_notification.this.queue : {
      events = sort(q.events)
      prefix = q.filter_prefix
      suffix = q.filter_suffix
      queue  = q.queue_arn
      }]) == jsonencode([
      { events = ["s3:ObjectCreated:*"], prefix = null, suffix = ".csv", queue = "arn:aws:sqs:us-west-2:111122223333:orders-test" },
      { events = ["s3:ObjectCreated:*"], prefix = null, suffix = ".csv.gz", queue = "arn:aws:sqs:us-west-2:111122223333:orders-test" },
    ])
    error_message = "Expected exactly two rules, s3:ObjectCreated:* with suffixes .csv and .csv.gz, no prefix, to the queue."
  }

  assert {
    condition     = alltrue([for q in aws_s3_bucket_notification.this.queue : !strcontains(coalesce(q.filter_prefix, "-"), "*") && !strcontains(q.filter_suffix, "*")])
    error_message = "Notification filters must not contain '*'."
  }

  assert {
    condition     = length(output.notification_rules) == 2
    error_message = "notification_rules must list the two rules."
  }
}

run "queue_policy_only_allows_the_bucket" {
  command = plan

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.queue.statement : {
      sid        = s.sid
      effect     = s.effect
      actions    = sort(s.actions)
      resources  = sort(s.resources)
      principals = [for p in s.principals : [p.type, sort(p.identifiers)]]
      condition  = { for c in s.condition : "${c.test} ${c.variable}" => sort(c.values) }
      }]) == jsonencode([
      {
        sid        = "AllowInputBucketNotifications"
        effect     = "Allow"
        actions    = ["sqs:SendMessage"]
        resources  = ["arn:aws:sqs:us-west-2:111122223333:orders-test"]
        principals = [["Service", ["s3.amazonaws.com"]]]
        condition = {
          "ArnEquals aws:SourceArn"        = ["arn:aws:s3:::orders-test-input"]
          "StringEquals aws:SourceAccount" = ["111122223333"]
        }
      },
      {
        sid        = "DenyInsecureTransport"
        effect     = "Deny"
        actions    = ["sqs:*"]
        resources  = ["arn:aws:sqs:us-west-2:111122223333:orders-test"]
        principals = [["*", ["*"]]]
        condition  = { "Bool aws:SecureTransport" = ["false"] }
      },
    ])
    error_message = "The queue policy must let only s3.amazonaws.com send, only from the input bucket ARN and the account, and deny non-TLS access."
  }
}

run "queues_and_redrive" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds >= 6 * var.function_timeout_seconds
    error_message = "The visibility timeout must be at least 6x the function timeout."
  }

  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds == 1800
    error_message = "Visibility timeout must be 6 x 300 + 0 seconds."
  }

  assert {
    condition     = aws_sqs_queue.this.message_retention_seconds == 1209600 && aws_sqs_queue.dlq.message_retention_seconds == 1209600
    error_message = "Both queues must keep messages 14 days."
  }

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled == true && aws_sqs_queue.dlq.sqs_managed_sse_enabled == true
    error_message = "Both queues must be encrypted (SQS-managed SSE without a KMS key)."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy) == { deadLetterTargetArn = "arn:aws:sqs:us-west-2:111122223333:orders-test-dlq", maxReceiveCount = 5 }
    error_message = "The queue must redrive to the DLQ after 5 receives."
  }

  assert {
    condition     = aws_sqs_queue.dlq.name == "orders-test-dlq"
    error_message = "The DLQ must be named <queue>-dlq."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy) == { redrivePermission = "byQueue", sourceQueueArns = ["arn:aws:sqs:us-west-2:111122223333:orders-test"] }
    error_message = "Only the main queue may use the DLQ."
  }
}

run "event_source_mapping" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.this.event_source_arn == "arn:aws:sqs:us-west-2:111122223333:orders-test" && aws_lambda_event_source_mapping.this.function_name == var.function_arn
    error_message = "The mapping must connect the queue to the function."
  }

  assert {
    condition     = tolist(aws_lambda_event_source_mapping.this.function_response_types) == tolist(["ReportBatchItemFailures"])
    error_message = "The mapping must use ReportBatchItemFailures."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 1 && aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds == 0 && one(aws_lambda_event_source_mapping.this.scaling_config).maximum_concurrency == 10
    error_message = "Unexpected default batch size, batching window or maximum concurrency."
  }
}

run "tuning_and_kms" {
  command = plan

  variables {
    batch_size                      = 50
    maximum_batching_window_seconds = 20
    maximum_concurrency             = 3
    max_receive_count               = 2
    function_timeout_seconds        = 60
    filter_prefix                   = "incoming/"
    kms_key_arn                     = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds == 6 * 60 + 20
    error_message = "The visibility timeout must add the batching window to 6x the timeout."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 50 && aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds == 20 && one(aws_lambda_event_source_mapping.this.scaling_config).maximum_concurrency == 3
    error_message = "Tuning variables must reach the mapping."
  }

  assert {
    condition     = alltrue([for q in aws_s3_bucket_notification.this.queue : q.filter_prefix == "incoming/"])
    error_message = "filter_prefix must apply to every rule."
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dlq.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.this.sqs_managed_sse_enabled != true
    error_message = "With a KMS key both queues must use it instead of SQS-managed SSE."
  }
}

run "rejects_wildcard_filters" {
  command = plan

  variables {
    filter_suffixes = ["*.csv"]
    filter_prefix   = "*"
  }

  expect_failures = [var.filter_suffixes, var.filter_prefix]
}

run "rejects_overlapping_suffixes" {
  command = plan

  variables {
    filter_suffixes = [".gz", ".csv.gz"]
  }

  expect_failures = [var.filter_suffixes]
}

run "rejects_bucket_name_as_source_arn" {
  command = plan

  variables {
    source_bucket_arn = "orders-test-input"
  }

  expect_failures = [var.source_bucket_arn]
}

run "rejects_large_batch_without_window" {
  command = plan

  variables {
    batch_size = 100
  }

  expect_failures = [var.batch_size]
}

run "rejects_concurrency_below_two" {
  command = plan

  variables {
    maximum_concurrency = 1
  }

  expect_failures = [var.maximum_concurrency]
}
