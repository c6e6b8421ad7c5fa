output "alarm_names" {
  description = "Alarm names by kind (function-errors, function-throttles, dlq-not-empty, queue-oldest-message-age)."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name }
}

output "alarm_arns" {
  description = "Alarm ARNs by kind."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }
}

output "sns_topic_arn" {
  description = "ARN of the alarm topic, or null when no alarm_email is set."
  value       = one(aws_sns_topic.alarms[*].arn)
}
