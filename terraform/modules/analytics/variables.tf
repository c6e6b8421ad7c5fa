variable "name_prefix" {
  description = "Prefix of the workgroup (\"<prefix>-analytics\") and the analyst policy (\"<prefix>-analytics-query\")."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$", var.name_prefix))
    error_message = "name_prefix must be 1-100 characters of letters, digits, '-' and '_', starting with a letter or digit (valid for Athena workgroup and IAM policy names)."
  }
}

variable "database_name" {
  description = "Name of the Glue database holding the tables (Athena-friendly: lower-case letters, digits and '_', starting with a letter)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,254}$", var.database_name))
    error_message = "database_name must be 1-255 characters of lower-case letters, digits and '_', starting with a letter (no '-': Athena would need quotes around it)."
  }
}

variable "input_bucket_name" {
  description = "Bucket holding the order files (.csv, .csv.gz): the orders table reads all of it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.input_bucket_name))
    error_message = "input_bucket_name must be an S3 bucket name (3-63 characters of a-z, 0-9, '-' and '.')."
  }
}

variable "input_bucket_arn" {
  description = "ARN of the input bucket (the analyst policy reads its objects)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.input_bucket_arn))
    error_message = "input_bucket_arn must be a bucket ARN (arn:<partition>:s3:::<bucket>), not a bucket name."
  }
}

variable "output_bucket_name" {
  description = "Bucket the pipeline writes to (reports/, manifests/, errors/); Athena query results go under results_prefix in it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.output_bucket_name))
    error_message = "output_bucket_name must be an S3 bucket name (3-63 characters of a-z, 0-9, '-' and '.')."
  }
}

variable "output_bucket_arn" {
  description = "ARN of the output bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.output_bucket_arn))
    error_message = "output_bucket_arn must be a bucket ARN (arn:<partition>:s3:::<bucket>), not a bucket name."
  }
}

variable "named_queries" {
  description = "Athena named queries to create in the workgroup and database: name => SQL text. The root stack passes the files of cli/queries/ (the same files `orders query` runs), one query per file named by its stem. The SQL's leading \"-- \" comment paragraph becomes the description."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for name in keys(var.named_queries) : can(regex("^[A-Za-z0-9_]{1,128}$", name))])
    error_message = "named_queries keys must be 1-128 characters of letters, digits and '_' (they name the Athena named queries and the files they come from)."
  }

  validation {
    condition     = alltrue([for sql in values(var.named_queries) : length(trimspace(sql)) > 0 && length(sql) <= 262144])
    error_message = "Each named query must hold SQL: not blank, at most 262144 characters (Athena's limit)."
  }
}

variable "results_prefix" {
  description = "Key prefix of the Athena query results in the output bucket (ending in '/'). Give the bucket a lifecycle expiry on it: results are never needed for long."
  type        = string
  default     = "athena-results/"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/$", var.results_prefix))
    error_message = "results_prefix must be a key prefix such as \"athena-results/\": segments of letters, digits, '_', '.', '-', ending in '/', no leading '/', no '*'."
  }

  validation {
    condition     = !anytrue([for p in ["reports/", "manifests/", "errors/"] : startswith(var.results_prefix, p)])
    error_message = "results_prefix must not lie under the pipeline's reports/, manifests/ or errors/ prefixes (the tables would read query results as data)."
  }
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN (the stack's key). Set: query results are SSE_KMS with it, and the analyst policy may use it (kms:Decrypt, kms:GenerateDataKey, through S3 only). Null: results are SSE_S3 and no KMS permission is granted."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.kms_key_arn, "-")))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Most bytes one query may scan before Athena cancels it (the workgroup's data usage control). Default 1 GiB; AWS's minimum is 10 MB (10485760)."
  type        = number
  default     = 1073741824
  nullable    = false

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760 && floor(var.bytes_scanned_cutoff_per_query) == var.bytes_scanned_cutoff_per_query
    error_message = "bytes_scanned_cutoff_per_query must be a whole number of bytes, at least 10485760 (10 MB, the Athena minimum)."
  }
}

variable "engine_version" {
  description = "Athena engine of the workgroup: \"Athena engine version 3\" (pinned, what the queries are written for) or \"AUTO\" (AWS chooses and upgrades)."
  type        = string
  default     = "Athena engine version 3"
  nullable    = false

  validation {
    condition     = contains(["AUTO", "Athena engine version 3"], var.engine_version)
    error_message = "engine_version must be \"AUTO\" or \"Athena engine version 3\"."
  }
}

variable "projection_start_date" {
  description = "First ingest_date (YYYY-MM-DD) the partition projection of the report, manifest and error tables covers; the range ends at NOW. Dates before it are invisible to queries."
  type        = string
  default     = "2020-01-01"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", var.projection_start_date)) && can(formatdate("YYYY", "${var.projection_start_date}T00:00:00Z"))
    error_message = "projection_start_date must be a real calendar date in the form YYYY-MM-DD, e.g. 2020-01-01."
  }
}

variable "create_query_policy" {
  description = "Create the customer-managed IAM policy that lets an analyst run this module's queries and nothing more (attach it to a role or group yourself). Its JSON is output either way."
  type        = bool
  default     = true
  nullable    = false
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the workgroup while it still holds named queries or query history not managed here. Keep false except for throw-away environments."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags for the database, the workgroup and the policy (merged with the provider's default_tags). Glue tables and named queries take no tags."
  type        = map(string)
  default     = {}
  nullable    = false
}
