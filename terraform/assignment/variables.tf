# ---------------------------------------------------------------------------------------------
# The brief's interface: names, account access, region.
# ---------------------------------------------------------------------------------------------

variable "candidate_name" {
  description = "Your AWS user name. Resource names start with \"<project>-<candidate_name>\" after lower-casing and turning '_' into '-'."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9]+([_-][A-Za-z0-9]+)*$", var.candidate_name)) && length(var.candidate_name) <= 20
    error_message = "candidate_name must be 1-20 characters: letters and digits, with single '-' or '_' between them (no spaces, dots, or leading/trailing/double separators), so that S3, SQS, ECR and IAM all accept the derived names."
  }
}

variable "project" {
  description = "Project name, the first part of every resource name."
  type        = string
  default     = "nmd-assignment"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]*([_-][A-Za-z0-9]+)*$", var.project)) && length(var.project) <= 20
    error_message = "project must be 1-20 characters: a letter first, then letters and digits with single '-' or '_' between them, so that S3, SQS, ECR and IAM all accept the derived names."
  }

  validation {
    condition     = !startswith(lower(var.project), "sthree") && !startswith(lower(var.project), "amzn-s3-demo")
    error_message = "project must not start with an S3-reserved prefix (sthree, amzn-s3-demo)."
  }
}

variable "env" {
  description = "Environment label (tags and the state key; names stay \"<project>-<candidate_name>-...\")."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.env))
    error_message = "env must be 1-16 characters of lower-case letters, digits and '-', starting with a letter."
  }
}

variable "aws_profile" {
  description = "AWS CLI profile with your credentials. Null uses the default credential chain (environment variables, SSO, instance role)."
  type        = string
  default     = null
}

variable "region_name" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region_name))
    error_message = "region_name must be an AWS region code such as us-west-2."
  }
}

variable "tags" {
  description = "Extra tags for every resource (merged into the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}

# ---------------------------------------------------------------------------------------------
# The function's image.
# ---------------------------------------------------------------------------------------------

variable "image_uri" {
  description = "The Lambda image in digest form: <account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>. Null only for the first, targeted apply that creates the ECR repository (terraform apply -target=module.ecr)."
  type        = string
  default     = null

  # The pattern is cli/deploy.py's IMAGE_URI_PATTERN, its one definition; tests/test_cli_deploy.py
  # checks that this copy is identical.
  validation {
    condition     = var.image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+(?:[._/-][a-z0-9]+)*@sha256:[0-9a-f]{64}$", coalesce(var.image_uri, "-")))
    error_message = "image_uri must be in digest form <account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 lower-case hex>; a tag such as :latest is not accepted (Lambda would keep running whatever the tag pointed to when it was deployed). Get the digest from `docker buildx build ... --push` or `aws ecr describe-images`."
  }
}

variable "ecr_keep_last_images" {
  description = "Images the ECR lifecycle policy keeps (older pushes expire)."
  type        = number
  default     = 10
  nullable    = false
}

# ---------------------------------------------------------------------------------------------
# Function tuning.
# ---------------------------------------------------------------------------------------------

variable "lambda_memory_mb" {
  description = "Function memory in MB (128-10240); CPU scales with it."
  type        = number
  default     = 3072
  nullable    = false
}

variable "lambda_timeout_seconds" {
  description = "Function timeout in seconds (1-900); the queue's visibility timeout is 6x this plus the batching window."
  type        = number
  default     = 300
  nullable    = false
}

variable "lambda_ephemeral_storage_mb" {
  description = "Size of the function's /tmp in MB (512-10240). The function streams its input (ranged GETs) and rejected_rows.csv (a multipart upload), so /tmp holds only the three small reports while they are written: the minimum is plenty."
  type        = number
  default     = 512
  nullable    = false
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency of the function, or null for none (sqs_maximum_concurrency already caps it)."
  type        = number
  default     = null
}

variable "max_input_bytes" {
  description = "MAX_INPUT_BYTES of the handler, a time budget: larger input objects (and, as MAX_DATA_BYTES, larger decompressed data) get an InputTooLargeError record instead of running into the timeout. The function streams its input, so /tmp and memory do not limit it. Default: 300 s x 25 MB/s (half the 50 MB/s assumed for the default function, README 'Cost and limits')."
  type        = number
  default     = 7500000000
  nullable    = false

  validation {
    condition     = var.max_input_bytes >= 1 && floor(var.max_input_bytes) == var.max_input_bytes
    error_message = "max_input_bytes must be a positive whole number of bytes."
  }

  validation {
    condition     = var.max_input_bytes <= var.lambda_timeout_seconds * 25000000
    error_message = "max_input_bytes must be at most lambda_timeout_seconds x 25 MB/s (half the throughput assumed for the function, README 'Cost and limits'): a larger file would run into the timeout and be retried into the DLQ. Raise lambda_timeout_seconds (and lambda_memory_mb) or lower max_input_bytes."
  }
}

variable "log_level" {
  description = "Log level of the handler (POWERTOOLS_LOG_LEVEL and Lambda's application log level)."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR (understood by both Powertools and Lambda's log-level filter)."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days."
  type        = number
  default     = 30
  nullable    = false
}

# ---------------------------------------------------------------------------------------------
# Queue and event source.
# ---------------------------------------------------------------------------------------------

variable "sqs_batch_size" {
  description = "Messages (objects) per invocation (see modules/ingest)."
  type        = number
  default     = 1
  nullable    = false
}

variable "sqs_batching_window_seconds" {
  description = "Seconds the event source may wait to fill a batch."
  type        = number
  default     = 0
  nullable    = false
}

variable "sqs_maximum_concurrency" {
  description = "Most concurrent invocations from the queue (2-1000)."
  type        = number
  default     = 10
  nullable    = false
}

variable "sqs_max_receive_count" {
  description = "Deliveries of a message before it moves to the DLQ."
  type        = number
  default     = 5
  nullable    = false
}

# ---------------------------------------------------------------------------------------------
# Storage, encryption, monitoring.
# ---------------------------------------------------------------------------------------------

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN for the buckets, queues, log group, ECR and the alarm topic (its key policy must allow s3, logs and cloudwatch, see ../README.md). Null: SSE-S3 / SQS-managed SSE / AWS-owned keys. The function's role gets kms:Decrypt and kms:GenerateDataKey on this key only when it is set."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.kms_key_arn, "-")))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "access_logging_enabled" {
  description = "Create an access-log bucket and send the input and output buckets' S3 server access logs to it."
  type        = bool
  default     = true
  nullable    = false
}

variable "input_expiration_days" {
  description = "Optional: days after which input objects expire. Null keeps them."
  type        = number
  default     = null
}

variable "access_log_expiration_days" {
  description = "Days the S3 access logs are kept."
  type        = number
  default     = 90
  nullable    = false
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete non-empty buckets and the ECR repository with its images. Keep false; set true only to tear down a throw-away stack."
  type        = bool
  default     = false
  nullable    = false
}

variable "alarm_email" {
  description = "Optional e-mail address for the alarms (creates an SNS topic and a subscription to confirm)."
  type        = string
  default     = null
}

variable "alarm_oldest_message_age_seconds" {
  description = "Alarm when the oldest queued message is older than this many seconds."
  type        = number
  default     = 3600
  nullable    = false
}

variable "alarm_rejected_rows_percent" {
  description = "Alarm when rejected rows exceed this share (percent, above 0 and at most 100) of the rows read in an alarm period (5 minutes). Null (default): no such alarm; data quality varies by producer, so pick the share your inputs should stay under."
  type        = number
  default     = null

  validation {
    condition     = var.alarm_rejected_rows_percent == null || try(var.alarm_rejected_rows_percent > 0 && var.alarm_rejected_rows_percent <= 100, false)
    error_message = "alarm_rejected_rows_percent must be null (no alarm) or a percentage above 0 and at most 100."
  }
}

# ---------------------------------------------------------------------------------------------
# Analytics (Glue + Athena).
# ---------------------------------------------------------------------------------------------

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "Most bytes one Athena query in the stack's workgroup may scan before it is cancelled (at least 10485760, AWS's minimum). Default 1 GiB."
  type        = number
  default     = 1073741824
  nullable    = false

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query >= 10485760 && floor(var.athena_bytes_scanned_cutoff_per_query) == var.athena_bytes_scanned_cutoff_per_query
    error_message = "athena_bytes_scanned_cutoff_per_query must be a whole number of bytes, at least 10485760 (10 MB, the Athena minimum)."
  }
}

variable "athena_results_expiration_days" {
  description = "Days Athena query results are kept under athena-results/ of the output bucket (their non-current versions go a day later)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.athena_results_expiration_days >= 1 && floor(var.athena_results_expiration_days) == var.athena_results_expiration_days
    error_message = "athena_results_expiration_days must be a whole number of days >= 1."
  }
}

variable "analytics_query_policy_enabled" {
  description = "Create the customer-managed IAM policy that lets an analyst run the stack's Athena queries and nothing more (attach it to a role or group yourself)."
  type        = bool
  default     = true
  nullable    = false
}
