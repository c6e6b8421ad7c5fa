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

run "four_alarms_without_topic" {
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
    error_message = "Expected exactly the errors, throttles, DLQ depth and oldest-message-age alarms."
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
