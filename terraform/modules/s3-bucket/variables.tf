variable "name" {
  description = "Globally unique bucket name (3-63 characters: lower-case letters, digits, '-' and '.')."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name)) && !strcontains(var.name, "..")
    error_message = "name must be a valid S3 bucket name: 3-63 characters of a-z, 0-9, '-' and '.', starting and ending with a letter or digit, without '..'."
  }

  validation {
    condition     = !can(regex("^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$", var.name))
    error_message = "name must not look like an IP address (S3 rule)."
  }

  validation {
    condition     = !startswith(var.name, "xn--") && !startswith(var.name, "sthree-") && !endswith(var.name, "-s3alias") && !endswith(var.name, "--ol-s3")
    error_message = "name must not use an S3-reserved prefix (xn--, sthree-) or suffix (-s3alias, --ol-s3)."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket while it still holds objects (every version). Keep false except for throw-away environments."
  type        = bool
  default     = false
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of a customer-managed KMS key for SSE-KMS (with an S3 Bucket Key). Null uses SSE-S3 (AES256). Buckets that receive S3 server access logs must stay on SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias or key id."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which non-current object versions are deleted (versioning is always on)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && var.noncurrent_version_expiration_days <= 3650 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number between 1 and 3650."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which unfinished multipart uploads are aborted (their parts are billed until then)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && var.abort_incomplete_multipart_upload_days <= 365 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number between 1 and 365."
  }
}

variable "expiration_days" {
  description = "Optional: days after which current objects expire (become non-current). Null keeps them until deleted."
  type        = number
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1 && floor(var.expiration_days) == var.expiration_days, false)
    error_message = "expiration_days must be null or a whole number of days >= 1."
  }
}

variable "prefix_expiration_days" {
  description = "Optional shorter lives for key prefixes: prefix (ending in '/') => days after which its current objects expire; their non-current versions are deleted one day later. Each adds a lifecycle rule \"expire-<prefix>\". Empty (default): no such rule."
  type        = map(number)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for p in keys(var.prefix_expiration_days) : can(regex("^[A-Za-z0-9!_.'()=-]+(/[A-Za-z0-9!_.'()=-]+)*/$", p)) && length(p) <= 248])
    error_message = "prefix_expiration_days keys must be key prefixes such as \"athena-results/\": S3-safe characters, ending in '/', no leading '/', no '*', at most 248 characters (the rule id adds \"expire-\")."
  }

  validation {
    condition     = alltrue([for d in values(var.prefix_expiration_days) : d >= 1 && floor(d) == d])
    error_message = "prefix_expiration_days values must be whole numbers of days >= 1."
  }
}

variable "access_log_bucket" {
  description = "Optional: name of the bucket that receives this bucket's S3 server access logs. Null disables access logging."
  type        = string
  default     = null
}

variable "access_log_prefix" {
  description = "Key prefix for this bucket's access logs in access_log_bucket. Null uses \"<name>/\"."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_prefix == null || can(regex("^[A-Za-z0-9!_.*'()/=-]*/$", var.access_log_prefix))
    error_message = "access_log_prefix must end with '/' and use only S3-safe key characters."
  }
}

variable "policy_documents" {
  description = "Extra bucket policy documents (JSON) merged with the module's own statements (deny non-TLS and TLS < 1.2). Statement ids must be unique."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "tags" {
  description = "Tags for the bucket (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
