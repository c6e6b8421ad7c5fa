# Plan-only tests with a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  override_resource {
    target          = aws_sns_topic.alarms
    override_during = plan
    values = {
      arn = "arn:aws:sns:us-west-2:111122223333:orders-test-alarms"
    }
  }
}

variables {
  name_prefix   = "orders-test"
  function_name = "orders-test-handler"
  queue_name    = "orders-test-orders"
  dlq_name      = "orders-test-orders-dlq"
}

run "five_alarms_without_topic" {
  command = plan

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_sns_topic_subscription.email) == 0
    error_message = "No topic or subscription without alarm_email."
  }

  assert {
    condition = jsonencode({ for k, a in aws_cloudwatch_metric_alarm.this : k => {
      name       = a.alarm_name
      metric     = "${a.namespace}/${a.metric_name}"
      statistic  = a.statistic
      dimensions = a.dimensions
      threshold  = a.threshold
      operator   = a.comparison_operator
      missing    = a.treat_missing_data
      } }) == jsonencode({
      dlq-not-empty = {
        name       = "orders-test-dlq-not-empty", metric = "AWS/SQS/ApproximateNumberOfMessagesVisible", statistic = "Maximum"
        dimensions = { QueueName = "orders-test-orders-dlq" }, threshold = 0, operator = "GreaterThanThreshold", missing = "notBreaching"
      }
      files-failed = {
        name       = "orders-test-files-failed", metric = "OrdersPipeline/FilesFailed", statistic = "Sum"
        dimensions = { service = "orders-pipeline" }, threshold = 0, operator = "GreaterThanThreshold", missing = "notBreaching"
      }
      function-errors = {
        name       = "orders-test-function-errors", metric = "AWS/Lambda/Errors", statistic = "Sum"
        dimensions = { FunctionName = "orders-test-handler" }, threshold = 0, operator = "GreaterThanThreshold", missing = "notBreaching"
      }
      function-throttles = {
        name       = "orders-test-function-throttles", metric = "AWS/Lambda/Throttles", statistic = "Sum"
        dimensions = { FunctionName = "orders-test-handler" }, threshold = 0, operator = "GreaterThanThreshold", missing = "notBreaching"
      }
      queue-oldest-message-age = {
        name       = "orders-test-queue-oldest-message-age", metric = "AWS/SQS/ApproximateAgeOfOldestMessage", statistic = "Maximum"
        dimensions = { QueueName = "orders-test-orders" }, threshold = 3600, operator = "GreaterThanThreshold", missing = "notBreaching"
      }
    })
    error_message = "Expected exactly the errors, throttles, DLQ depth, oldest-message-age and files-failed alarms."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.rejected_rows_share) == 0 && !contains(keys(output.alarm_names), "rejected-rows-share")
    error_message = "The rejected-rows share alarm is off by default."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : length(a.alarm_actions) == 0])
    error_message = "No alarm actions without a topic."
  }
}

run "email_notifications" {
  command = plan

  variables {
    alarm_email = "oncall@example.com"
  }

  assert {
    condition     = aws_sns_topic.alarms[0].name == "orders-test-alarms"
    error_message = "The topic must be <prefix>-alarms."
  }

  assert {
    condition     = aws_sns_topic_subscription.email[0].protocol == "email" && aws_sns_topic_subscription.email[0].endpoint == "oncall@example.com"
    error_message = "The address must be subscribed by e-mail."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : tolist(a.alarm_actions) == tolist(["arn:aws:sns:us-west-2:111122223333:orders-test-alarms"]) && tolist(a.ok_actions) == tolist(["arn:aws:sns:us-west-2:111122223333:orders-test-alarms"])])
    error_message = "Every alarm must notify the topic on ALARM and OK."
  }
}

run "rejects_bad_email" {
  command = plan

  variables {
    alarm_email = "not-an-address"
  }

  expect_failures = [var.alarm_email]
}

run "rejected_rows_share_when_a_threshold_is_set" {
  command = plan

  variables {
    rejected_rows_percent_threshold = 2.5
    metrics_namespace               = "Orders/Test"
    metrics_service                 = "orders-test"
    alarm_email                     = "oncall@example.com"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.rejected_rows_share[0].alarm_name == "orders-test-rejected-rows-share" &&
      aws_cloudwatch_metric_alarm.rejected_rows_share[0].threshold == 2.5 &&
      aws_cloudwatch_metric_alarm.rejected_rows_share[0].comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.rejected_rows_share[0].treat_missing_data == "notBreaching" &&
      output.alarm_names["rejected-rows-share"] == "orders-test-rejected-rows-share"
    )
    error_message = "The share alarm must fire above the threshold, treat no data as OK, and be listed in alarm_names."
  }

  assert {
    condition = jsonencode([for q in aws_cloudwatch_metric_alarm.rejected_rows_share[0].metric_query : {
      id      = q.id
      expr    = q.expression
      returns = q.return_data
      metric  = [for m in q.metric : "${m.namespace}/${m.metric_name} ${m.stat} ${m.period} ${jsonencode(m.dimensions)}"]
      }]) == jsonencode([
      { id = "share", expr = "IF(rows > 0, 100 * rejected / rows, 0)", returns = true, metric = [] },
      { id = "rejected", expr = null, returns = false, metric = ["Orders/Test/RejectedRows Sum 300 {\"service\":\"orders-test\"}"] },
      { id = "rows", expr = null, returns = false, metric = ["Orders/Test/Rows Sum 300 {\"service\":\"orders-test\"}"] },
    ])
    error_message = "The share must be 100 x RejectedRows / Rows (Sum per period) of the function's service, 0 when no rows were read."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["files-failed"].namespace == "Orders/Test" &&
      aws_cloudwatch_metric_alarm.this["files-failed"].dimensions == tomap({ service = "orders-test" })
    )
    error_message = "files-failed must follow metrics_namespace and metrics_service."
  }

  assert {
    condition     = tolist(aws_cloudwatch_metric_alarm.rejected_rows_share[0].alarm_actions) == tolist(["arn:aws:sns:us-west-2:111122223333:orders-test-alarms"])
    error_message = "The share alarm must notify the topic like the others."
  }
}

run "rejects_shares_outside_0_to_100" {
  command = plan

  variables {
    rejected_rows_percent_threshold = 0
  }

  expect_failures = [var.rejected_rows_percent_threshold]
}

run "rejects_shares_above_100_and_reserved_namespaces" {
  command = plan

  variables {
    rejected_rows_percent_threshold = 150
    metrics_namespace               = "AWS/Lambda"
  }

  expect_failures = [var.rejected_rows_percent_threshold, var.metrics_namespace]
}
