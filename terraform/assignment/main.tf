# orders-pipeline: order CSVs land in the input bucket -> S3 notification -> SQS (with DLQ) ->
# Lambda (container image, arm64) -> reports in the output bucket. See ../README.md.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  # "<project>-<candidate_name>", lower-cased with '_' -> '-'. The variables' validations
  # guarantee letters/digits with single separators and a length that fits every service's limit
  # (longest: "<prefix>-output-<12-digit account>" <= 63 for S3).
  name_prefix = replace(lower("${var.project}-${var.candidate_name}"), "_", "-")

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix

  # S3 names are global: the account id keeps them unique and out of reach of bucket squatting.
  input_bucket_name  = "${local.name_prefix}-input-${local.account_id}"
  output_bucket_name = "${local.name_prefix}-output-${local.account_id}"
  logs_bucket_name   = "${local.name_prefix}-logs-${local.account_id}"

  function_name = "${local.name_prefix}-handler"
  # Built from the name (not read from the function) so the ECR repository policy can name the
  # function before it exists: the first apply creates the repository alone.
  function_arn = "arn:${local.partition}:lambda:${var.region_name}:${local.account_id}:function:${local.function_name}"

  queue_name = "${local.name_prefix}-orders"

  # The key layout the handler writes (shared/aws/layout.py); IAM grants exactly these prefixes.
  output_prefixes = ["reports/", "manifests/", "errors/"]
  # The prefixes its idempotency check lists (ListObjectsV2 Prefix = the exact record key,
  # "manifests/ingest_date=<day>/<countdown>-<id>.json" and the same under "errors/").
  idempotency_prefixes = ["manifests/", "errors/"]
  input_suffixes       = [".csv", ".csv.gz"]

  # Athena query results: their own prefix of the output bucket, expired by its lifecycle.
  athena_results_prefix = "athena-results/"

  # The function's Powertools service name and EMF namespace (shared/aws/telemetry.py has the same
  # defaults; tests/test_contracts.py checks them): the alarms read its metrics by these.
  service_name      = "orders-pipeline"
  metrics_namespace = "OrdersPipeline"

  # The named queries: the package's SQL files (cli/queries/, read by `orders query` too), one
  # query per file named by its stem.
  queries_dir   = "${path.module}/../../cli/queries"
  named_queries = { for f in fileset(local.queries_dir, "*.sql") : trimsuffix(f, ".sql") => file("${local.queries_dir}/${f}") }
}

# --- Image repository (created alone by the first, targeted apply) -----------------------------

module "ecr" {
  source = "../modules/ecr-repo"

  name                 = local.name_prefix
  keep_last_images     = var.ecr_keep_last_images
  kms_key_arn          = var.kms_key_arn
  force_delete         = var.force_destroy
  lambda_function_arns = [local.function_arn]
}

# --- Buckets ----------------------------------------------------------------------------------

# S3 server access logs of the input and output buckets. Log delivery only writes to SSE-S3
# buckets, so this one never uses the KMS key.
module "access_logs_bucket" {
  source = "../modules/s3-bucket"
  count  = var.access_logging_enabled ? 1 : 0

  name             = local.logs_bucket_name
  force_destroy    = var.force_destroy
  expiration_days  = var.access_log_expiration_days
  policy_documents = [data.aws_iam_policy_document.access_log_delivery.json]
}

# The policy's name output, not the bucket's: S3 refuses a logging configuration whose target does
# not yet grant logging.s3.amazonaws.com (InvalidTargetBucketForLogging), so the input and output
# buckets' logging must wait for the policy.
locals {
  access_log_target = var.access_logging_enabled ? module.access_logs_bucket[0].name_with_policy : null
}

data "aws_iam_policy_document" "access_log_delivery" {
  statement {
    sid       = "AllowS3ServerAccessLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.logs_bucket_name}/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values = [
        "arn:${local.partition}:s3:::${local.input_bucket_name}",
        "arn:${local.partition}:s3:::${local.output_bucket_name}",
      ]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

module "input_bucket" {
  source = "../modules/s3-bucket"

  name              = local.input_bucket_name
  kms_key_arn       = var.kms_key_arn
  force_destroy     = var.force_destroy
  expiration_days   = var.input_expiration_days
  access_log_bucket = local.access_log_target
}

module "output_bucket" {
  source = "../modules/s3-bucket"

  name                   = local.output_bucket_name
  kms_key_arn            = var.kms_key_arn
  force_destroy          = var.force_destroy
  access_log_bucket      = local.access_log_target
  prefix_expiration_days = { (local.athena_results_prefix) = var.athena_results_expiration_days }
}

# --- Function -----------------------------------------------------------------------------------

module "lambda" {
  source = "../modules/lambda"

  function_name        = local.function_name
  description          = "orders-pipeline: order CSVs from ${local.input_bucket_name} to reports in ${local.output_bucket_name}"
  image_uri            = var.image_uri
  memory_size_mb       = var.lambda_memory_mb
  timeout_seconds      = var.lambda_timeout_seconds
  ephemeral_storage_mb = var.lambda_ephemeral_storage_mb
  reserved_concurrency = var.lambda_reserved_concurrency
  log_level            = var.log_level
  log_retention_days   = var.log_retention_days
  kms_key_arn          = var.kms_key_arn
  policy_json          = data.aws_iam_policy_document.handler.json

  environment_variables = {
    OUTPUT_BUCKET                = module.output_bucket.name
    MAX_INPUT_BYTES              = tostring(var.max_input_bytes)
    POWERTOOLS_SERVICE_NAME      = local.service_name
    POWERTOOLS_METRICS_NAMESPACE = local.metrics_namespace
    POWERTOOLS_LOG_LEVEL         = var.log_level
  }
}

# --- Event path: input bucket -> notification -> queue (+DLQ) -> function -----------------------

module "ingest" {
  source = "../modules/ingest"

  queue_name                      = local.queue_name
  source_bucket_name              = module.input_bucket.id
  source_bucket_arn               = module.input_bucket.arn
  source_account_id               = local.account_id
  events                          = ["s3:ObjectCreated:*"]
  filter_suffixes                 = local.input_suffixes
  function_arn                    = module.lambda.function_arn
  function_timeout_seconds        = var.lambda_timeout_seconds
  batch_size                      = var.sqs_batch_size
  maximum_batching_window_seconds = var.sqs_batching_window_seconds
  maximum_concurrency             = var.sqs_maximum_concurrency
  max_receive_count               = var.sqs_max_receive_count
  kms_key_arn                     = var.kms_key_arn
}

# --- Monitoring ---------------------------------------------------------------------------------

module "alarms" {
  source = "../modules/alarms"

  name_prefix                          = local.name_prefix
  function_name                        = module.lambda.function_name
  queue_name                           = module.ingest.queue_name
  dlq_name                             = module.ingest.dlq_name
  oldest_message_age_threshold_seconds = var.alarm_oldest_message_age_seconds
  metrics_namespace                    = local.metrics_namespace
  metrics_service                      = local.service_name
  rejected_rows_percent_threshold      = var.alarm_rejected_rows_percent
  alarm_email                          = var.alarm_email
  kms_key_arn                          = var.kms_key_arn
}

# --- Analytics: Glue tables over both buckets, an Athena workgroup, named queries ---------------
# Reads s3://<output bucket>/reports/<report>/ with partition projection on ingest_date (no crawler),
# plus the order files, manifests and error records; results go to athena-results/ of the output
# bucket. The function's permissions are unchanged; analysts get their own policy (see ../README.md).

module "analytics" {
  source = "../modules/analytics"

  name_prefix                    = local.name_prefix
  database_name                  = replace(local.name_prefix, "-", "_")
  input_bucket_name              = module.input_bucket.name
  input_bucket_arn               = module.input_bucket.arn
  output_bucket_name             = module.output_bucket.name
  output_bucket_arn              = module.output_bucket.arn
  results_prefix                 = local.athena_results_prefix
  named_queries                  = local.named_queries
  kms_key_arn                    = var.kms_key_arn
  bytes_scanned_cutoff_per_query = var.athena_bytes_scanned_cutoff_per_query
  create_query_policy            = var.analytics_query_policy_enabled
  force_destroy                  = var.force_destroy
}

check "image_from_this_repository" {
  assert {
    condition     = var.image_uri == null || startswith(coalesce(var.image_uri, "-"), "${module.ecr.repository_url}@sha256:")
    error_message = "image_uri does not point into this stack's ECR repository (${module.ecr.repository_url}); the repository policy only lets Lambda pull from there."
  }
}
