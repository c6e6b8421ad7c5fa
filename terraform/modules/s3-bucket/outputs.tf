output "name" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.bucket
}

output "id" {
  description = "Bucket id (the same as its name); use it for bucket sub-resources."
  value       = aws_s3_bucket.this.id
}

output "name_with_policy" {
  description = "Bucket name, the same as `name` (known at plan time), but only available once the bucket policy is attached. Reference it instead of `name` from whatever relies on the policy's grants (another bucket's access logging targets this one) so Terraform creates that after the policy."
  value       = aws_s3_bucket.this.bucket
  depends_on  = [aws_s3_bucket_policy.this]
}

output "arn" {
  description = "Bucket ARN (objects are \"<arn>/<key>\")."
  value       = aws_s3_bucket.this.arn
}

output "regional_domain_name" {
  description = "Region-specific domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "sse_algorithm" {
  description = "Default server-side encryption: \"AES256\" (SSE-S3) or \"aws:kms\"."
  value       = local.sse_algorithm
}

output "lifecycle_rule_ids" {
  description = "Ids of the bucket's lifecycle rules (\"expire-<prefix>\" for each prefix_expiration_days entry)."
  value       = [for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id]
}
