output "state_bucket_name" {
  description = "Name of the state bucket."
  value       = module.state_bucket.name
}

output "state_bucket_arn" {
  description = "ARN of the state bucket."
  value       = module.state_bucket.arn
}

output "backend_config" {
  description = "Contents for ../assignment/backend.hcl (add profile = \"...\" if you use one)."
  value       = <<-EOT
    bucket = "${module.state_bucket.name}"
    region = "${var.region_name}"
  EOT
}
