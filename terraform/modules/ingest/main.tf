# The event path from the input bucket to the function:
#   S3 notification (s3:ObjectCreated:*, one rule per suffix) -> SQS queue (DLQ after
#   max_receive_count deliveries) -> Lambda event source mapping (ReportBatchItemFailures).
# The queue buffers bursts, retries failures and keeps poison messages in the DLQ for 14 days.

locals {
  # 14 days, the SQS maximum, on both queues: a message keeps its original enqueue time when it
  # moves to the DLQ, so the DLQ cannot hold it any longer than that anyway.
  message_retention_seconds = 1209600

  # AWS's rule for SQS event sources: at least 6x the function timeout plus the batching window,
  # so a message in flight is not redelivered while a (retried) invocation still works on it.
  visibility_timeout_seconds = 6 * var.function_timeout_seconds + var.maximum_batching_window_seconds

  dlq_name = "${var.queue_name}-dlq"
}

resource "aws_sqs_queue" "dlq" {
  name                      = local.dlq_name
  message_retention_seconds = local.message_retention_seconds
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name                       = var.queue_name
  visibility_timeout_seconds = local.visibility_timeout_seconds
  message_retention_seconds  = local.message_retention_seconds
  receive_wait_time_seconds  = 20
  sqs_managed_sse_enabled    = var.kms_key_arn == null ? true : null
  kms_master_key_id          = var.kms_key_arn
  tags                       = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only the main queue may use the DLQ (a separate resource: inline it would be a cycle).
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

# Who may send: only the S3 service, only for the input bucket, only in this account. The
# consumer (the function's role) is granted in IAM, not here.
data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "AllowInputBucketNotifications"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]

    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [var.source_bucket_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.source_account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.this.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.queue.json
}

data "aws_iam_policy_document" "dlq" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.dlq.json
}

# One rule per suffix: S3 filters are literal (no '*'), and a rule takes one suffix.
resource "aws_s3_bucket_notification" "this" {
  bucket = var.source_bucket_name

  dynamic "queue" {
    for_each = var.filter_suffixes
    content {
      id            = "orders${replace(queue.value, "/[^A-Za-z0-9]+/", "-")}"
      queue_arn     = aws_sqs_queue.this.arn
      events        = var.events
      filter_prefix = var.filter_prefix
      filter_suffix = queue.value
    }
  }

  # S3 sends a test event when the configuration is saved and refuses it if it cannot deliver:
  # the queue policy must exist first.
  depends_on = [aws_sqs_queue_policy.this]
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = aws_sqs_queue.this.arn
  function_name                      = var.function_arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_seconds
  # The handler returns the ids of failed messages; only those are retried.
  function_response_types = ["ReportBatchItemFailures"]
  enabled                 = true
  tags                    = var.tags

  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }
}
