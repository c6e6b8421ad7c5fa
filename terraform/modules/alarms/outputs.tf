output "alarm_names" {
  description = "Alarm names by kind (function-errors, function-throttles, dlq-not-empty, queue-oldest-message-age, files-failed, and rejected-rows-share when its threshold is set)."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name },
    { for a in aws_cloudwatch_metric_alarm.rejected_rows_share : "rejected-rows-share" => a.alarm_name },
  )
}

output "alarm_arns" {
  description = "Alarm ARNs by kind."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn },
    { for a in aws_cloudwatch_metric_alarm.rejected_rows_share : "rejected-rows-share" => a.arn },
  )
}

output "sns_topic_arn" {
  description = "ARN of the alarm topic, or null when no alarm_email is set."
  value       = one(aws_sns_topic.alarms[*].arn)
}
