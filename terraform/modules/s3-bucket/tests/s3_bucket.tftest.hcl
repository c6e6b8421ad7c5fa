# Plan-only tests with a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  override_resource {
    target          = aws_s3_bucket.this
    override_during = plan
    values = {
      arn = "arn:aws:s3:::orders-test-bucket"
      id  = "orders-test-bucket"
    }
  }
}

variables {
  name = "orders-test-bucket"
}

run "secure_defaults" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket == "orders-test-bucket" && aws_s3_bucket.this.force_destroy == false
    error_message = "The bucket must be named from var.name and must not be force-destroyable by default."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.block_public_acls &&
      aws_s3_bucket_public_access_block.this.block_public_policy &&
      aws_s3_bucket_public_access_block.this.ignore_public_acls &&
      aws_s3_bucket_public_access_block.this.restrict_public_buckets
    )
    error_message = "All four Block Public Access settings must be on."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled"
    error_message = "Versioning must be enabled."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Without a KMS key the bucket must use SSE-S3 (AES256)."
  }

  assert {
    condition     = length(aws_s3_bucket_logging.this) == 0
    error_message = "Access logging must be off unless access_log_bucket is set."
  }

  assert {
    condition     = [for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id] == ["abort-incomplete-multipart-uploads", "expiration"]
    error_message = "Expected exactly the multipart-abort and expiration lifecycle rules."
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == 7
    error_message = "Incomplete multipart uploads must be aborted after 7 days by default."
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[1].noncurrent_version_expiration[0].noncurrent_days == 30
    error_message = "Noncurrent versions must expire after 30 days by default."
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[1].expiration[0].expired_object_delete_marker == true
    error_message = "Without expiration_days current objects must be kept and orphan delete markers removed."
  }

  assert {
    condition     = alltrue([for r in aws_s3_bucket_lifecycle_configuration.this.rule : length(r.filter) == 1 && r.status == "Enabled"])
    error_message = "Every lifecycle rule must be enabled and have an (empty) filter block."
  }
}

run "tls_only_bucket_policy" {
  command = plan

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.this.statement : {
      sid       = s.sid
      effect    = s.effect
      actions   = sort(s.actions)
      resources = sort(s.resources)
      condition = [for c in s.condition : [c.test, c.variable, sort(c.values)]]
      }]) == jsonencode([
      {
        sid       = "DenyInsecureTransport"
        effect    = "Deny"
        actions   = ["s3:*"]
        resources = ["arn:aws:s3:::orders-test-bucket", "arn:aws:s3:::orders-test-bucket/*"]
        condition = [["Bool", "aws:SecureTransport", ["false"]]]
      },
      {
        sid       = "DenyOutdatedTls"
        effect    = "Deny"
        actions   = ["s3:*"]
        resources = ["arn:aws:s3:::orders-test-bucket", "arn:aws:s3:::orders-test-bucket/*"]
        condition = [["NumericLessThan", "s3:TlsVersion", ["1.2"]]]
      },
    ])
    error_message = "The bucket policy must deny non-TLS and TLS < 1.2 requests on the bucket and its objects, and nothing else."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : s.effect == "Deny"])
    error_message = "The module's own bucket policy must not allow anything."
  }
}

run "kms_logging_and_expiry" {
  command = plan

  variables {
    kms_key_arn       = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    access_log_bucket = "orders-test-logs"
    expiration_days   = 90
    force_destroy     = true
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "With a KMS key the bucket must use SSE-KMS."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).kms_master_key_id == "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "SSE-KMS must use the given key."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled == true
    error_message = "SSE-KMS must enable the S3 Bucket Key."
  }

  assert {
    condition     = aws_s3_bucket_logging.this[0].target_bucket == "orders-test-logs" && aws_s3_bucket_logging.this[0].target_prefix == "orders-test-bucket/"
    error_message = "Access logs must go to the given bucket under \"<name>/\"."
  }

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.this.rule[1].expiration[0].days == 90
    error_message = "expiration_days must expire current objects."
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy == true
    error_message = "force_destroy must follow the variable."
  }
}

run "prefix_expiration_adds_one_rule_per_prefix" {
  command = plan

  variables {
    prefix_expiration_days = { "athena-results/" = 30 }
  }

  assert {
    condition     = [for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.id] == ["abort-incomplete-multipart-uploads", "expiration", "expire-athena-results/"]
    error_message = "A prefix expiry must add exactly one rule after the bucket-wide ones."
  }

  assert {
    condition = (
      aws_s3_bucket_lifecycle_configuration.this.rule[2].status == "Enabled" &&
      aws_s3_bucket_lifecycle_configuration.this.rule[2].filter[0].prefix == "athena-results/" &&
      aws_s3_bucket_lifecycle_configuration.this.rule[2].expiration[0].days == 30 &&
      aws_s3_bucket_lifecycle_configuration.this.rule[2].noncurrent_version_expiration[0].noncurrent_days == 1
    )
    error_message = "The prefix rule must expire current objects under the prefix after the given days and their non-current versions a day later."
  }

  assert {
    condition = (
      aws_s3_bucket_lifecycle_configuration.this.rule[1].expiration[0].expired_object_delete_marker == true &&
      aws_s3_bucket_lifecycle_configuration.this.rule[1].noncurrent_version_expiration[0].noncurrent_days == 30 &&
      length(aws_s3_bucket_lifecycle_configuration.this.rule[1].filter) == 1
    )
    error_message = "A prefix expiry must leave the bucket-wide rule unchanged."
  }
}

run "rejects_bad_prefix_expirations" {
  command = plan

  variables {
    prefix_expiration_days = { "athena-*" = 0 }
  }

  expect_failures = [var.prefix_expiration_days]
}

run "rejects_invalid_names" {
  command = plan

  variables {
    name = "Orders_Bucket"
  }

  expect_failures = [var.name]
}

run "rejects_reserved_prefix" {
  command = plan

  variables {
    name = "xn--orders"
  }

  expect_failures = [var.name]
}

run "rejects_kms_alias" {
  command = plan

  variables {
    kms_key_arn = "alias/aws/s3"
  }

  expect_failures = [var.kms_key_arn]
}
