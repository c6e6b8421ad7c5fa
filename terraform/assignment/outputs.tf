# Read by the `orders` CLI through `terraform output -json`: keep these names stable.

output "input_bucket_name" {
  description = "Bucket to upload order files to (.csv or .csv.gz)."
  value       = module.input_bucket.name
}

output "input_bucket_arn" {
  description = "ARN of the input bucket."
  value       = module.input_bucket.arn
}

output "output_bucket_name" {
  description = "Bucket the reports are written to (reports/, manifests/, errors/)."
  value       = module.output_bucket.name
}

output "output_bucket_arn" {
  description = "ARN of the output bucket."
  value       = module.output_bucket.arn
}

output "queue_url" {
  description = "URL of the queue between the input bucket and the function."
  value       = module.ingest.queue_url
}

output "queue_arn" {
  description = "ARN of that queue."
  value       = module.ingest.queue_arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue (messages that failed every retry)."
  value       = module.ingest.dlq_url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.ingest.dlq_arn
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = module.lambda.function_name
}

output "ecr_repository_url" {
  description = "ECR repository to push the image to; deploy it as \"<url>@sha256:<digest>\"."
  value       = module.ecr.repository_url
}

output "log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = module.lambda.log_group_name
}

output "region" {
  description = "AWS region of the stack."
  value       = var.region_name
}

# --- Extra, for people and later modules --------------------------------------------------------

output "name_prefix" {
  description = "The normalised \"<project>-<candidate_name>\" every resource name starts with."
  value       = local.name_prefix
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = module.lambda.function_arn
}

output "function_role_arn" {
  description = "ARN of the function's execution role."
  value       = module.lambda.role_arn
}

output "image_uri" {
  description = "The image (digest form) the function runs."
  value       = var.image_uri
}

output "ecr_repository_name" {
  description = "Name of the ECR repository."
  value       = module.ecr.repository_name
}

output "reports_location" {
  description = "S3 location of the report tables (reports/<report>/ingest_date=YYYY-MM-DD/), read by the analytics module's Glue tables."
  value       = "s3://${module.output_bucket.name}/reports/"
}

# --- Analytics ----------------------------------------------------------------------------------

output "glue_database_name" {
  description = "Glue database of the report, orders, manifests and errors tables (\"<name_prefix>\" with '-' turned into '_')."
  value       = module.analytics.database_name
}

output "athena_workgroup_name" {
  description = "Athena workgroup to run the queries in (enforced settings, encrypted results, scan limit)."
  value       = module.analytics.workgroup_name
}

output "athena_results_location" {
  description = "Where Athena writes query results: s3://<output bucket>/athena-results/ (expired after athena_results_expiration_days)."
  value       = module.analytics.results_location
}

output "analytics_query_policy_arn" {
  description = "ARN of the IAM policy that lets an analyst run the stack's queries, or null when analytics_query_policy_enabled is false."
  value       = module.analytics.query_policy_arn
}

output "named_queries" {
  description = "Athena named query id by name (one per cli/queries/*.sql, the files `orders query` runs)."
  value       = module.analytics.named_query_ids
}

output "access_logs_bucket_name" {
  description = "Bucket holding the S3 server access logs, or null when access logging is off."
  value       = one(module.access_logs_bucket[*].name)
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms, or null without alarm_email."
  value       = module.alarms.sns_topic_arn
}

output "alarm_names" {
  description = "CloudWatch alarm names by kind."
  value       = module.alarms.alarm_names
}
