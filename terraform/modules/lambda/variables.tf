variable "function_name" {
  description = "Function name (also names the log group /aws/lambda/<name> and the role <name>-role). 1-59 characters so the role name fits IAM's 64."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,59}$", var.function_name))
    error_message = "function_name must be 1-59 characters of letters, digits, '-' and '_'."
  }
}

variable "description" {
  description = "Function description."
  type        = string
  default     = ""
  nullable    = false
}

variable "image_uri" {
  description = "Container image in digest form: <account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>. A digest pins the exact image (a new push changes the plan); tags such as :latest are refused."
  type        = string

  # The pattern is cli/deploy.py's IMAGE_URI_PATTERN, its one definition; tests/test_cli_deploy.py
  # checks that this copy is identical.
  validation {
    condition     = var.image_uri != null && can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+(?:[._/-][a-z0-9]+)*@sha256:[0-9a-f]{64}$", coalesce(var.image_uri, "-")))
    error_message = "image_uri must be set, in digest form <account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 lower-case hex> (no tag, never :latest). Before the first image exists, apply only the ECR repository (see terraform/README.md), push, then pass image_uri."
  }
}

variable "memory_size_mb" {
  description = "Memory in MB (128-10240); CPU scales with it (1769 MB = 1 vCPU)."
  type        = number
  default     = 3072
  nullable    = false

  validation {
    condition     = var.memory_size_mb >= 128 && var.memory_size_mb <= 10240 && floor(var.memory_size_mb) == var.memory_size_mb
    error_message = "memory_size_mb must be a whole number between 128 and 10240."
  }
}

variable "timeout_seconds" {
  description = "Function timeout in seconds (1-900). The queue's visibility timeout is derived from it."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number between 1 and 900."
  }
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB (512-10240). The handler streams its input and its rejected rows; /tmp holds only the three small reports while they are written."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = var.ephemeral_storage_mb >= 512 && var.ephemeral_storage_mb <= 10240 && floor(var.ephemeral_storage_mb) == var.ephemeral_storage_mb
    error_message = "ephemeral_storage_mb must be a whole number between 512 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions, or null for none (the SQS event source's maximum_concurrency already caps the pipeline; reserving fails in accounts whose concurrency quota is at the 10-execution minimum)."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 1 && var.reserved_concurrency <= 1000 && floor(var.reserved_concurrency) == var.reserved_concurrency, false)
    error_message = "reserved_concurrency must be null or a whole number between 1 and 1000 (0 would disable the function)."
  }
}

variable "environment_variables" {
  description = "Environment variables of the function (no secrets: they are visible to anyone who can read the function's configuration)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.environment_variables) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) && !startswith(k, "AWS_")])
    error_message = "environment variable names must match [A-Za-z][A-Za-z0-9_]* and must not start with AWS_ (reserved by Lambda)."
  }
}

variable "policy_json" {
  description = "The execution role's only permissions: an IAM policy document (JSON, e.g. from aws_iam_policy_document) attached as an inline policy. Include logs:CreateLogStream/PutLogEvents on this module's log group and X-Ray writes."
  type        = string

  validation {
    condition     = can(jsondecode(var.policy_json).Statement)
    error_message = "policy_json must be an IAM policy document in JSON with a Statement."
  }
}

variable "log_level" {
  description = "Application log level (Lambda advanced logging control; pass the same value to the handler's POWERTOOLS_LOG_LEVEL)."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days (a value CloudWatch Logs accepts)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN for the log group (its key policy must allow logs.<region>.amazonaws.com). Null: CloudWatch Logs encryption with an AWS-owned key. Environment variables stay on the AWS managed key: they hold no secrets."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags for the function, its role and its log group (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
