output "database_name" {
  description = "Glue database holding the tables (Athena: <database>.<table>)."
  value       = aws_glue_catalog_database.this.name
}

output "database_arn" {
  description = "ARN of the Glue database."
  value       = aws_glue_catalog_database.this.arn
}

output "table_locations" {
  description = "S3 location of every table by name: the four report tables, orders, manifests, errors."
  value       = { for name, t in aws_glue_catalog_table.this : name => t.storage_descriptor[0].location }
}

output "workgroup_name" {
  description = "Athena workgroup to run the queries in (its settings are enforced)."
  value       = aws_athena_workgroup.this.name
}

output "workgroup_arn" {
  description = "ARN of the Athena workgroup."
  value       = aws_athena_workgroup.this.arn
}

output "results_location" {
  description = "Where the workgroup writes query results (s3://<output bucket>/<results_prefix>)."
  value       = local.results_location
}

output "named_query_ids" {
  description = "Athena named query id by name (one per entry of named_queries)."
  value       = { for name, q in aws_athena_named_query.this : name => q.id }
}

output "query_policy_arn" {
  description = "ARN of the analyst policy, or null when create_query_policy is false."
  value       = one(aws_iam_policy.query[*].arn)
}

output "query_policy_json" {
  description = "The analyst policy document (also when create_query_policy is false, e.g. for a permission set)."
  value       = data.aws_iam_policy_document.query.json
}
