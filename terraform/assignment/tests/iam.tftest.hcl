# The least-privilege contract of the function role, pinned statement by statement. If a change
# widens an action, a resource or a condition (or adds a statement), these runs fail: update the
# permission table in ../README.md and this file together, on purpose.

# The AWS provider is mocked by tests/mocks/aws.tfmock.hcl; the stack's variables come from
# tests/terraform.tfvars. Both are shared with the other test file of this folder.
mock_provider "aws" {
  source = "./tests/mocks"
}

run "handler_policy_is_exactly_the_contract" {
  command = plan

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.handler.statement : {
      sid           = s.sid
      effect        = s.effect
      actions       = sort(s.actions)
      resources     = sort(s.resources)
      condition     = { for c in s.condition : "${c.test} ${c.variable}" => sort(c.values) }
      not_actions   = s.not_actions
      not_resources = s.not_resources
      principals    = length(s.principals) + length(s.not_principals)
      }]) == jsonencode([
      {
        sid           = "ReadInputObjects"
        effect        = "Allow"
        actions       = ["s3:GetObject", "s3:GetObjectVersion"]
        resources     = ["arn:aws:s3:::nmd-assignment-jane-doe-input-111122223333/*"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid    = "WriteOutputObjects"
        effect = "Allow"
        actions = [
          "s3:PutObject",
        ]
        resources = [
          "arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333/errors/*",
          "arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333/manifests/*",
          "arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333/reports/*",
        ]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "AbortReportUploads"
        effect        = "Allow"
        actions       = ["s3:AbortMultipartUpload"]
        resources     = ["arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333/reports/*"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "ListOutputForIdempotency"
        effect        = "Allow"
        actions       = ["s3:ListBucket"]
        resources     = ["arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333"]
        condition     = { "StringLike s3:prefix" = ["errors/*", "manifests/*"] }
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "ConsumeOwnQueue"
        effect        = "Allow"
        actions       = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
        resources     = ["arn:aws:sqs:us-west-2:111122223333:nmd-assignment-jane-doe-orders"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "WriteOwnLogs"
        effect        = "Allow"
        actions       = ["logs:CreateLogStream", "logs:PutLogEvents"]
        resources     = ["arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/nmd-assignment-jane-doe-handler:*"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
      {
        sid           = "WriteXRayTraces"
        effect        = "Allow"
        actions       = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
        resources     = ["*"]
        condition     = {}
        not_actions   = null
        not_resources = null
        principals    = 0
      },
    ])
    error_message = "The execution role's policy differs from the handler's contract (see the permission table in terraform/README.md)."
  }
}

run "no_wildcards_beyond_xray_and_no_deletes" {
  command = plan

  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.handler.statement : [for a in s.actions : !strcontains(a, "*")]]))
    error_message = "No action may contain a wildcard."
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.handler.statement : s.sid == "WriteXRayTraces" || !contains(s.resources, "*")])
    error_message = "Only the X-Ray statement may use the \"*\" resource (AWS has no resource-level permission for it)."
  }

  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.handler.statement : anytrue([for a in s.actions : can(regex("(?i)^s3:(Delete|PutBucket|PutObjectAcl)", a))])])
    error_message = "The role must never delete objects or change bucket/ACL settings."
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.handler.statement :
      alltrue([for a in s.actions : contains(["s3:GetObject", "s3:GetObjectVersion"], a)])
      if anytrue([for r in s.resources : startswith(r, "arn:aws:s3:::nmd-assignment-jane-doe-input-")])
    ])
    error_message = "The input bucket may only be read."
  }
}

run "kms_grants_only_with_a_customer_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = length(data.aws_iam_policy_document.handler.statement) == 9
    error_message = "A customer-managed key must add exactly two statements."
  }

  assert {
    condition = jsonencode([for s in slice(data.aws_iam_policy_document.handler.statement, 7, 9) : {
      sid       = s.sid
      effect    = s.effect
      actions   = sort(s.actions)
      resources = sort(s.resources)
      condition = { for c in s.condition : "${c.test} ${c.variable}" => sort(c.values) }
      }]) == jsonencode([
      {
        sid       = "DecryptInputAndQueue"
        effect    = "Allow"
        actions   = ["kms:Decrypt"]
        resources = ["arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
        condition = { "StringEquals kms:ViaService" = ["s3.us-west-2.amazonaws.com", "sqs.us-west-2.amazonaws.com"] }
      },
      {
        sid       = "EncryptOutput"
        effect    = "Allow"
        actions   = ["kms:GenerateDataKey"]
        resources = ["arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
        condition = { "StringEquals kms:ViaService" = ["s3.us-west-2.amazonaws.com"] }
      },
    ])
    error_message = "KMS grants must be kms:Decrypt (S3/SQS) and kms:GenerateDataKey (S3) on the configured key only."
  }
}

run "no_kms_grants_without_a_customer_key" {
  command = plan

  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.handler.statement : anytrue([for a in s.actions : startswith(a, "kms:")])])
    error_message = "Without a customer-managed key the role must have no KMS permission."
  }
}

run "access_log_delivery_is_scoped" {
  command = plan

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.access_log_delivery.statement : {
      actions    = sort(s.actions)
      resources  = sort(s.resources)
      principals = [for p in s.principals : [p.type, sort(p.identifiers)]]
      condition  = { for c in s.condition : "${c.test} ${c.variable}" => sort(c.values) }
      }]) == jsonencode([{
      actions    = ["s3:PutObject"]
      resources  = ["arn:aws:s3:::nmd-assignment-jane-doe-logs-111122223333/*"]
      principals = [["Service", ["logging.s3.amazonaws.com"]]]
      condition = {
        "ArnLike aws:SourceArn" = [
          "arn:aws:s3:::nmd-assignment-jane-doe-input-111122223333",
          "arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333",
        ]
        "StringEquals aws:SourceAccount" = ["111122223333"]
      }
    }])
    error_message = "Only S3 log delivery, for the two buckets of this account, may write to the access-log bucket."
  }
}
