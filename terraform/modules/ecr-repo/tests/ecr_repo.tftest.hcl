# Plan-only tests with a mocked AWS provider: no credentials, no network.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  override_data {
    target = data.aws_caller_identity.current
    values = {
      account_id = "111122223333"
    }
  }

  override_resource {
    target          = aws_ecr_repository.this
    override_during = plan
    values = {
      arn            = "arn:aws:ecr:us-west-2:111122223333:repository/orders-test"
      repository_url = "111122223333.dkr.ecr.us-west-2.amazonaws.com/orders-test"
    }
  }
}

variables {
  name                 = "orders-test"
  lambda_function_arns = ["arn:aws:lambda:us-west-2:111122223333:function:orders-test-handler"]
}

run "repository_settings" {
  command = plan

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE"
    error_message = "Tags must be immutable."
  }

  assert {
    condition     = one(aws_ecr_repository.this.image_scanning_configuration).scan_on_push == true
    error_message = "Images must be scanned on push."
  }

  assert {
    condition     = one(aws_ecr_repository.this.encryption_configuration).encryption_type == "AES256"
    error_message = "Without a KMS key the repository must use AES256."
  }

  assert {
    condition     = aws_ecr_repository.this.force_delete == false
    error_message = "force_delete must default to false."
  }

  assert {
    condition = jsondecode(aws_ecr_lifecycle_policy.this.policy) == {
      rules = [{
        rulePriority = 1
        description  = "Keep the last 10 images"
        selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 10 }
        action       = { type = "expire" }
      }]
    }
    error_message = "The lifecycle policy must keep exactly the last 10 images."
  }
}

run "lambda_pull_policy" {
  command = plan

  assert {
    condition = jsonencode([for s in data.aws_iam_policy_document.lambda_pull[0].statement : {
      sid        = s.sid
      effect     = s.effect
      actions    = sort(s.actions)
      resources  = sort(s.resources)
      principals = [for p in s.principals : [p.type, sort(p.identifiers)]]
      condition  = { for c in s.condition : "${c.test} ${c.variable}" => sort(c.values) }
      }]) == jsonencode([{
      sid        = "LambdaImagePull"
      effect     = "Allow"
      actions    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources  = ["arn:aws:ecr:us-west-2:111122223333:repository/orders-test"]
      principals = [["Service", ["lambda.amazonaws.com"]]]
      condition = {
        "ArnLike aws:SourceArn" = [
          "arn:aws:lambda:us-west-2:111122223333:function:orders-test-handler",
          "arn:aws:lambda:us-west-2:111122223333:function:orders-test-handler:*",
        ]
        "StringEquals aws:SourceAccount" = ["111122223333"]
      }
    }])
    error_message = "The repository policy must let only lambda.amazonaws.com pull, only for the named function in this account."
  }

  assert {
    condition     = length(aws_ecr_repository_policy.this) == 1
    error_message = "A repository policy must be attached when functions are named."
  }
}

run "no_policy_without_functions" {
  command = plan

  variables {
    lambda_function_arns = []
    keep_last_images     = 3
    kms_key_arn          = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = length(aws_ecr_repository_policy.this) == 0
    error_message = "No repository policy without functions to grant."
  }

  assert {
    condition     = one(aws_ecr_repository.this.encryption_configuration).encryption_type == "KMS"
    error_message = "With a KMS key the repository must use KMS encryption."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules[0].selection.countNumber == 3
    error_message = "keep_last_images must drive the lifecycle policy."
  }
}

run "rejects_invalid_name" {
  command = plan

  variables {
    name = "Orders--Test"
  }

  expect_failures = [var.name]
}

run "rejects_qualified_or_foreign_arns" {
  command = plan

  variables {
    lambda_function_arns = ["orders-test-handler"]
  }

  expect_failures = [var.lambda_function_arns]
}
