variable "aws_profile" {
  description = "AWS CLI profile with your credentials. Null uses the default credential chain."
  type        = string
  default     = null
}

variable "region_name" {
  description = "Region of the state bucket."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region_name))
    error_message = "region_name must be an AWS region code such as us-west-2."
  }
}

variable "project" {
  description = "Project name: tag of the state bucket and start of its default name."
  type        = string
  default     = "nmd-assignment"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]*([-][A-Za-z0-9]+)*$", var.project)) && length(var.project) <= 30
    error_message = "project must be 1-30 letters and digits with single '-' between them."
  }
}

variable "state_bucket_name" {
  description = "Name of the state bucket. Null: \"<project>-tfstate-<account id>\" (lower-cased)."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.state_bucket_name, "-")))
    error_message = "state_bucket_name must be null or a valid S3 bucket name (3-63 characters of a-z, 0-9, '-' and '.')."
  }
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN for the state bucket (SSE-S3 otherwise)."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days old state versions are kept (they are the way back from a bad apply)."
  type        = number
  default     = 90
  nullable    = false
}
