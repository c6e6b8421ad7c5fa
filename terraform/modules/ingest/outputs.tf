output "queue_name" {
  description = "Name of the queue S3 notifies."
  value       = aws_sqs_queue.this.name
}

output "queue_url" {
  description = "URL of the queue S3 notifies."
  value       = aws_sqs_queue.this.url
}

output "queue_arn" {
  description = "ARN of the queue S3 notifies (grant the consumer sqs:ReceiveMessage/DeleteMessage/GetQueueAttributes on it)."
  value       = aws_sqs_queue.this.arn
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the queue (6x the function timeout plus the batching window)."
  value       = aws_sqs_queue.this.visibility_timeout_seconds
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "dlq_url" {
  description = "URL of the dead-letter queue (inspect or redrive failed messages from it)."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "event_source_mapping_uuid" {
  description = "Id of the SQS -> Lambda event source mapping."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "notification_rules" {
  description = "The bucket notification rules as configured (events, prefix, suffix per rule)."
  value = [for q in aws_s3_bucket_notification.this.queue : {
    events        = q.events
    filter_prefix = q.filter_prefix
    filter_suffix = q.filter_suffix
  }]
}
