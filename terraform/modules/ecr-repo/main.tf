# A private ECR repository for the pipeline's Lambda image: immutable tags (a tag always means the
# same image), scan on push, encryption at rest, a lifecycle policy keeping the last N images, and a
# repository policy letting only this stack's function pull.

data "aws_caller_identity" "current" {}

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_delete
  tags                 = var.tags

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = var.kms_key_arn == null ? "AES256" : "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  # Images are referenced by digest, so expiry goes by push order, tagged or not. The image the
  # function runs is always among the most recent pushes as long as keep_last_images >= 1.
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last ${var.keep_last_images} images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.keep_last_images
      }
      action = { type = "expire" }
    }]
  })
}

# Lambda pulls container images with its service principal. Without this statement Lambda would
# edit the repository policy itself at CreateFunction time, and Terraform would undo it on the
# next apply. The grant is limited to this account and to the named functions.
data "aws_iam_policy_document" "lambda_pull" {
  count = length(var.lambda_function_arns) > 0 ? 1 : 0

  statement {
    sid       = "LambdaImagePull"
    effect    = "Allow"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.this.arn]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    # The function ARN, and the same with a version/alias qualifier.
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = flatten([for arn in var.lambda_function_arns : [arn, "${arn}:*"]])
    }
  }
}

resource "aws_ecr_repository_policy" "this" {
  count = length(var.lambda_function_arns) > 0 ? 1 : 0

  repository = aws_ecr_repository.this.name
  policy     = data.aws_iam_policy_document.lambda_pull[0].json
}
