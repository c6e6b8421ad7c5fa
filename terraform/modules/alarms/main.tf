# CloudWatch alarms for the pipeline, optionally e-mailed through an SNS topic:
#   function errors > 0, function throttles > 0, DLQ depth > 0, oldest queued message too old,
#   files failed > 0 (the function's own EMF metric), and, when a threshold is set, rejected rows
#   above a share of the rows read.

locals {
  notify  = var.alarm_email != null
  actions = local.notify ? [aws_sns_topic.alarms[0].arn] : []

  alarms = {
    function-errors = {
      description = "The ${var.function_name} function raised errors (unhandled exceptions, timeouts, out of memory)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      threshold   = 0
      dimensions  = { FunctionName = var.function_name }
    }
    function-throttles = {
      description = "Invocations of ${var.function_name} were throttled (concurrency limit reached)."
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      statistic   = "Sum"
      threshold   = 0
      dimensions  = { FunctionName = var.function_name }
    }
    dlq-not-empty = {
      description = "Messages reached the dead-letter queue ${var.dlq_name}: files that failed every retry."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      statistic   = "Maximum"
      threshold   = 0
      dimensions  = { QueueName = var.dlq_name }
    }
    # With ReportBatchItemFailures a failed file is a partial batch response, not a failed
    # invocation: AWS/Lambda Errors never counts it. The function's EMF metric does.
    files-failed = {
      description = "${var.function_name} failed files: an error record was written (the input file is unusable) or processing raised and SQS will retry it. The function's Errors metric does not count these (partial batch responses)."
      namespace   = var.metrics_namespace
      metric      = "FilesFailed"
      statistic   = "Sum"
      threshold   = 0
      dimensions  = { service = var.metrics_service }
    }
    queue-oldest-message-age = {
      description = "The oldest message of ${var.queue_name} is older than ${var.oldest_message_age_threshold_seconds}s: processing is stuck or falling behind."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      statistic   = "Maximum"
      threshold   = var.oldest_message_age_threshold_seconds
      dimensions  = { QueueName = var.queue_name }
    }
  }
}

resource "aws_sns_topic" "alarms" {
  count = local.notify ? 1 : 0

  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = local.notify ? 1 : 0

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  # No data means no invocations or an empty queue: healthy.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.actions
  ok_actions         = local.actions
  tags               = var.tags
}

# Rejected rows as a share of the rows read (metric math over the function's EMF metrics), only
# when a threshold is set: which share is alarming depends on the producers.
resource "aws_cloudwatch_metric_alarm" "rejected_rows_share" {
  count = var.rejected_rows_percent_threshold == null ? 0 : 1

  alarm_name          = "${var.name_prefix}-rejected-rows-share"
  alarm_description   = "More than ${coalesce(var.rejected_rows_percent_threshold, 0)}% of the rows ${var.function_name} read in ${var.period_seconds}s were rejected (rejected_rows.csv of each file says why)."
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = var.rejected_rows_percent_threshold
  # No rows read: nothing to judge.
  treat_missing_data = "notBreaching"
  alarm_actions      = local.actions
  ok_actions         = local.actions
  tags               = var.tags

  metric_query {
    id          = "share"
    expression  = "IF(rows > 0, 100 * rejected / rows, 0)"
    label       = "Rejected rows (% of rows read)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { rejected = "RejectedRows", rows = "Rows" }
    content {
      id          = metric_query.key
      return_data = false

      metric {
        namespace   = var.metrics_namespace
        metric_name = metric_query.value
        dimensions  = { service = var.metrics_service }
        period      = var.period_seconds
        stat        = "Sum"
      }
    }
  }
}
