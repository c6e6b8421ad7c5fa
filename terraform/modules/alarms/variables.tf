variable "name_prefix" {
  description = "Prefix of the alarm names and of the SNS topic (\"<prefix>-alarms\")."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name_prefix))
    error_message = "name_prefix must be 1-200 characters of letters, digits, '-' and '_'."
  }
}

variable "function_name" {
  description = "Lambda function whose errors and throttles are watched."
  type        = string
}

variable "queue_name" {
  description = "Source queue whose oldest message age is watched."
  type        = string
}

variable "dlq_name" {
  description = "Dead-letter queue: any visible message raises an alarm."
  type        = string
}

variable "period_seconds" {
  description = "Evaluation period of the alarms, in seconds (a multiple of 60)."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0
    error_message = "period_seconds must be a multiple of 60 (at least 60)."
  }
}

variable "oldest_message_age_threshold_seconds" {
  description = "Alarm when the oldest message of the source queue is older than this (the pipeline is falling behind or stuck)."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.oldest_message_age_threshold_seconds >= 60
    error_message = "oldest_message_age_threshold_seconds must be at least 60."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's EMF metrics (its POWERTOOLS_METRICS_NAMESPACE)."
  type        = string
  default     = "OrdersPipeline"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.#:/-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and . - _ / # :, and not start with AWS/ (reserved)."
  }
}

variable "metrics_service" {
  description = "Value of the \"service\" dimension of the function's EMF metrics (its POWERTOOLS_SERVICE_NAME)."
  type        = string
  default     = "orders-pipeline"
  nullable    = false

  validation {
    condition     = length(var.metrics_service) >= 1 && length(var.metrics_service) <= 1024
    error_message = "metrics_service must be 1-1024 characters (a CloudWatch dimension value)."
  }
}

variable "rejected_rows_percent_threshold" {
  description = "Alarm when RejectedRows exceed this share (percent) of Rows within one period. Null (default): no such alarm."
  type        = number
  default     = null

  validation {
    condition     = var.rejected_rows_percent_threshold == null || try(var.rejected_rows_percent_threshold > 0 && var.rejected_rows_percent_threshold <= 100, false)
    error_message = "rejected_rows_percent_threshold must be null (no alarm) or a percentage above 0 and at most 100."
  }
}

variable "alarm_email" {
  description = "Optional e-mail address notified through a new SNS topic (the address must confirm the subscription). Null: no topic, alarms only show in the console."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", coalesce(var.alarm_email, "-")))
    error_message = "alarm_email must be null or an e-mail address."
  }
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN for the SNS topic. Its key policy must allow cloudwatch.amazonaws.com (kms:GenerateDataKey*, kms:Decrypt); the AWS managed aws/sns key does not, so it is not used."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags for the alarms and the topic (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
