# A private, encrypted, versioned S3 bucket with a TLS-only bucket policy and lifecycle rules.
# Every bucket of the stack (input, output, access logs, Terraform state) is built from here, so
# the secure defaults live in one place.

locals {
  sse_algorithm = var.kms_key_arn == null ? "AES256" : "aws:kms"
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV2_AWS_62:Notifications belong to the caller: the input bucket's is in modules/ingest (checkov cannot follow it across modules); report, access-log and state buckets trigger nothing.
  # checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice left to the caller; buckets are versioned, inputs can be re-uploaded and every report is re-derived from its input.
  bucket        = var.name
  force_destroy = var.force_destroy
  tags          = var.tags
}

# Object ownership: ACLs are disabled and the bucket owner owns every object.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }
    # An S3 Bucket Key cuts KMS requests (and cost) for SSE-KMS; it has no effect on SSE-S3.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    # An empty filter applies the rule to every object (the form both provider 5.x and 6.x accept
    # without a warning).
    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  rule {
    id     = "expiration"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    # With expiration_days, current objects expire (become non-current, then go with the rule
    # above). Without it, delete markers whose versions have all expired are removed instead; S3
    # does not allow both settings in one expiration. Static blocks only, no dynamic ones: they
    # read the same for Terraform and for static analysis.
    expiration {
      days                         = var.expiration_days
      expired_object_delete_marker = var.expiration_days == null ? true : null
    }
  }

  # Optional shorter lives for some prefixes (e.g. Athena query results). These rules overlap the
  # bucket-wide ones; S3 honours the shorter of overlapping expirations, so a prefix only ever
  # expires sooner. The expired current version becomes non-current and goes a day later.
  dynamic "rule" {
    for_each = var.prefix_expiration_days
    content {
      id     = "expire-${rule.key}"
      status = "Enabled"

      filter {
        prefix = rule.key
      }

      expiration {
        days = rule.value
      }

      noncurrent_version_expiration {
        noncurrent_days = 1
      }
    }
  }

  # Lifecycle rules on versions need versioning to be configured first.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = coalesce(var.access_log_prefix, "${var.name}/")
}

# Deny every request that is not over TLS 1.2+, whoever makes it; callers add their own grants
# through policy_documents.
data "aws_iam_policy_document" "this" {
  source_policy_documents = var.policy_documents

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOutdatedTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  # Block Public Access must be in place before a policy is attached.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
