# The function's execution role: exactly what the handler does, nothing else (see the permission
# table in ../README.md). tests/iam.tftest.hcl pins every statement's actions, resources and
# conditions, so any widening fails `terraform test`.
#
# Never granted: s3:DeleteObject anywhere, any write to the input bucket, s3:GetObject on the
# output bucket (the idempotency check only lists), any AWS managed policy.

locals {
  input_bucket_arn  = module.input_bucket.arn
  output_bucket_arn = module.output_bucket.arn
}

data "aws_iam_policy_document" "handler" {
  # Download the new order file; the handler reads the exact version the event names.
  statement {
    sid       = "ReadInputObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${local.input_bucket_arn}/*"]
  }

  # Reports, the "done" manifest and file-level error records: only the handler's key prefixes.
  statement {
    sid       = "WriteOutputObjects"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = [for p in local.output_prefixes : "${local.output_bucket_arn}/${p}*"]
  }

  # rejected_rows.csv is streamed as a multipart upload while the file is read; a file that
  # then turns out bad aborts it (best effort: the bucket's lifecycle removes what is left).
  statement {
    sid       = "AbortReportUploads"
    effect    = "Allow"
    actions   = ["s3:AbortMultipartUpload"]
    resources = ["${local.output_bucket_arn}/reports/*"]
  }

  # Idempotency: ListObjectsV2 with Prefix="manifests/<id>.json" (and "errors/<id>.json") tells
  # whether a redelivered file was already handled. Listing is limited to those prefixes.
  statement {
    sid       = "ListOutputForIdempotency"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.output_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [for p in local.idempotency_prefixes : "${p}*"]
    }
  }

  # The event source mapping polls with the function's role.
  statement {
    sid       = "ConsumeOwnQueue"
    effect    = "Allow"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [module.ingest.queue_arn]
  }

  # Log streams of the function's own log group (the group itself is created by Terraform, so
  # no logs:CreateLogGroup).
  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${module.lambda.log_group_arn}:*"]
  }

  # X-Ray active tracing. AWS defines no resource-level permissions for these two actions
  # (the Service Authorization Reference lists no resource type), so "*" is the only valid
  # resource: this is the one wildcard of the policy.
  statement {
    sid       = "WriteXRayTraces"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  # Only with a customer-managed key (AWS managed and SSE-S3/SQS-managed keys need no grant), only
  # on that key, and only when S3 or SQS uses it on the function's behalf.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptInputAndQueue"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values = [
          "s3.${var.region_name}.${local.dns_suffix}",
          "sqs.${var.region_name}.${local.dns_suffix}",
        ]
      }
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptOutput"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region_name}.${local.dns_suffix}"]
      }
    }
  }
}
