variable "queue_name" {
  description = "Name of the queue S3 notifies (1-76 characters so the DLQ's \"-dlq\" suffix fits SQS's 80)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,76}$", var.queue_name))
    error_message = "queue_name must be 1-76 characters of letters, digits, '-' and '_'."
  }
}

variable "source_bucket_name" {
  description = "Name of the bucket whose new objects are sent to the queue. This module owns that bucket's (single) notification configuration."
  type        = string
}

variable "source_bucket_arn" {
  description = "ARN of that bucket: the only aws:SourceArn the queue accepts messages from."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_bucket_arn))
    error_message = "source_bucket_arn must be a bucket ARN (arn:<partition>:s3:::<bucket>), not a bucket name."
  }
}

variable "source_account_id" {
  description = "Account id that owns the bucket: the only aws:SourceAccount the queue accepts messages from."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.source_account_id))
    error_message = "source_account_id must be a 12-digit AWS account id."
  }
}

variable "events" {
  description = "S3 event types that notify the queue."
  type        = list(string)
  default     = ["s3:ObjectCreated:*"]
  nullable    = false

  validation {
    condition     = length(var.events) > 0 && alltrue([for e in var.events : can(regex("^s3:ObjectCreated:(\\*|Put|Post|Copy|CompleteMultipartUpload)$", e))])
    error_message = "events must be a non-empty list of s3:ObjectCreated:* event types."
  }
}

variable "filter_suffixes" {
  description = "Key suffixes that notify the queue, one S3 notification rule each. Literal strings: S3 has no wildcards in filters, and suffixes are case-sensitive."
  type        = list(string)
  default     = [".csv", ".csv.gz"]
  nullable    = false

  validation {
    condition     = length(var.filter_suffixes) > 0 && alltrue([for s in var.filter_suffixes : length(s) > 0 && !strcontains(s, "*")])
    error_message = "filter_suffixes must be non-empty literal suffixes without '*' (S3 filters do not support wildcards)."
  }

  # S3 rejects two rules for the same event whose suffixes overlap (one ends with the other).
  validation {
    condition = alltrue([
      for i, a in var.filter_suffixes : alltrue([
        for j, b in var.filter_suffixes : i == j || !endswith(a, b)
      ])
    ])
    error_message = "filter_suffixes must not overlap: no suffix may end with another one (S3 rejects overlapping notification rules)."
  }
}

variable "filter_prefix" {
  description = "Optional literal key prefix (e.g. \"incoming/\") for every rule. Null matches the whole bucket; never \"*\"."
  type        = string
  default     = null

  validation {
    condition     = var.filter_prefix == null || try(length(var.filter_prefix) > 0 && !strcontains(var.filter_prefix, "*"), false)
    error_message = "filter_prefix must be null or a non-empty literal prefix without '*' (S3 filters do not support wildcards)."
  }
}

variable "function_arn" {
  description = "ARN of the function the event source mapping invokes."
  type        = string
}

variable "function_timeout_seconds" {
  description = "The function's timeout; the queue's visibility timeout is 6x this plus the batching window (AWS's recommendation)."
  type        = number

  validation {
    condition     = var.function_timeout_seconds >= 1 && var.function_timeout_seconds <= 900 && floor(var.function_timeout_seconds) == var.function_timeout_seconds
    error_message = "function_timeout_seconds must be a whole number between 1 and 900."
  }
}

variable "batch_size" {
  description = "Messages (objects) per invocation, 1-10000; above 10 needs a batching window. Default 1: one object of up to the handler's size limit can use most of the timeout. Raise it (with a batching window) for many small files; partial batch failures are reported per message."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number between 1 and 10000."
  }

  validation {
    condition     = var.batch_size <= 10 || var.maximum_batching_window_seconds >= 1
    error_message = "batch_size above 10 needs maximum_batching_window_seconds >= 1 (an SQS event source rule)."
  }
}

variable "maximum_batching_window_seconds" {
  description = "Seconds the event source may wait to fill a batch (0-300). It adds to the queue's visibility timeout."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.maximum_batching_window_seconds >= 0 && var.maximum_batching_window_seconds <= 300 && floor(var.maximum_batching_window_seconds) == var.maximum_batching_window_seconds
    error_message = "maximum_batching_window_seconds must be a whole number between 0 and 300."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the SQS event source makes (2-1000): the pipeline's throttle."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency
    error_message = "maximum_concurrency must be a whole number between 2 and 1000."
  }
}

variable "max_receive_count" {
  description = "Deliveries of a message before it moves to the dead-letter queue."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN for both queues. Null uses SQS-managed SSE. A CMK's key policy must let s3.amazonaws.com use it (kms:GenerateDataKey, kms:Decrypt), or S3 cannot deliver."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags for the queues and the event source mapping (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
