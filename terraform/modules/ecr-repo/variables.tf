variable "name" {
  description = "Repository name (lower case; '-', '_', '.' and '/' only between letters or digits)."
  type        = string

  validation {
    condition     = length(var.name) >= 2 && length(var.name) <= 256 && can(regex("^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$", var.name))
    error_message = "name must be a valid ECR repository name: 2-256 characters, lower-case letters and digits, with single '.', '_', '-' or '/' between them."
  }
}

variable "keep_last_images" {
  description = "How many of the most recently pushed images the lifecycle policy keeps; older ones expire. Keep it above the number of images a rollback may need."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.keep_last_images >= 1 && var.keep_last_images <= 1000 && floor(var.keep_last_images) == var.keep_last_images
    error_message = "keep_last_images must be a whole number between 1 and 1000."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer-managed KMS key for image encryption. Null uses AES256 (ECR-managed keys). Changing it replaces the repository."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "force_delete" {
  description = "Let `terraform destroy` delete the repository while it still holds images."
  type        = bool
  default     = false
  nullable    = false
}

variable "lambda_function_arns" {
  description = "ARNs of the Lambda functions (in this account) allowed to pull images. Empty: no repository policy (only IAM principals of the account can pull)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.lambda_function_arns : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$", arn))])
    error_message = "lambda_function_arns must hold unqualified Lambda function ARNs (arn:<partition>:lambda:<region>:<account>:function:<name>)."
  }
}

variable "tags" {
  description = "Tags for the repository (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
