# A container-image Lambda function (arm64) with its own execution role, log group and X-Ray
# tracing. The role's permissions come in whole as `policy_json`: this module adds none of its own
# and attaches no AWS managed policy, so what the caller reviews is everything the function may do.

data "aws_iam_policy_document" "assume_role" {
  statement {
    sid     = "LambdaAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = "${var.function_name}-role"
  description          = "Execution role of the ${var.function_name} Lambda function"
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = var.policy_json
}

# Created before the function (the function references it), so Lambda never auto-creates an
# unmanaged log group with infinite retention.
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_116:A function DLQ only covers asynchronous invokes; the SQS event source invokes synchronously and failed messages go to the queue's own DLQ (modules/ingest).
  # checkov:skip=CKV_AWS_117:The function only calls public AWS APIs (S3, SQS, CloudWatch Logs, X-Ray) governed by IAM; no private resource to reach, and a VPC would add NAT or endpoints without reducing exposure.
  # checkov:skip=CKV_AWS_173:The environment holds no secrets (bucket name, size limit, Powertools settings) and Lambda encrypts it at rest with an AWS managed key; a customer key would add a KMS dependency to every cold start for nothing.
  # checkov:skip=CKV_AWS_272:Lambda code signing applies to .zip packages only, not container images; integrity comes from the immutable ECR repository and the digest-pinned image_uri.
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn

  # The image's CMD is handler.lambda_handler; image_config stays unset so the image decides.
  package_type = "Image"
  image_uri    = var.image_uri
  # Must match the image platform: it is built with `docker buildx build --platform linux/arm64`.
  architectures = ["arm64"]

  memory_size                    = var.memory_size_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = coalesce(var.reserved_concurrency, -1)

  ephemeral_storage {
    size = var.ephemeral_storage_mb
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []
    content {
      variables = environment.value
    }
  }

  tags = var.tags

  # The role must hold its permissions before anything (the SQS event source mapping in
  # particular, which checks sqs:ReceiveMessage when it is created) uses the function.
  depends_on = [aws_iam_role_policy.this]
}

# If the function's own writes ever trigger it again (say, output written to the input bucket),
# Lambda stops the loop after about 16 invocations instead of running it forever.
resource "aws_lambda_function_recursion_config" "this" {
  function_name  = aws_lambda_function.this.function_name
  recursive_loop = "Terminate"
}
