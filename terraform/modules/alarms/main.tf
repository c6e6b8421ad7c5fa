# CloudWatch alarms for the pipeline, optionally e-mailed through an SNS topic:
#   function errors > 0, function throttles > 0, DLQ depth > 0, oldest queued message too old.

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
