# A secure S3 bucket for Terraform state: versioned (every state write can be rolled back),
# encrypted, private, TLS-only, old versions expire after a while. Locking needs no table: the S3
# backend's use_lockfile writes a lock object next to the state (Terraform >= 1.10).

data "aws_caller_identity" "current" {}

locals {
  state_bucket_name = coalesce(var.state_bucket_name, lower("${var.project}-tfstate-${data.aws_caller_identity.current.account_id}"))
}

module "state_bucket" {
  source = "../modules/s3-bucket"

  name                               = local.state_bucket_name
  kms_key_arn                        = var.kms_key_arn
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  # Never deleted with its states inside.
  force_destroy = false
}
