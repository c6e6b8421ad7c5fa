# What AWS would compute (account, ARNs, URLs), fixed at plan time so every policy and output of
# the root stack is known: the one mock of the AWS provider for both test files here (each loads
# it with `mock_provider "aws" { source = "./tests/mocks" }`; Terraform test files cannot share
# blocks otherwise).

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

override_data {
  target = data.aws_partition.current
  values = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

override_data {
  target = module.ecr.data.aws_caller_identity.current
  values = {
    account_id = "111122223333"
  }
}

override_resource {
  target          = module.input_bucket.aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "nmd-assignment-jane-doe-input-111122223333"
    arn = "arn:aws:s3:::nmd-assignment-jane-doe-input-111122223333"
  }
}

override_resource {
  target          = module.output_bucket.aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "nmd-assignment-jane-doe-output-111122223333"
    arn = "arn:aws:s3:::nmd-assignment-jane-doe-output-111122223333"
  }
}

override_resource {
  target          = module.access_logs_bucket.aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "nmd-assignment-jane-doe-logs-111122223333"
    arn = "arn:aws:s3:::nmd-assignment-jane-doe-logs-111122223333"
  }
}

override_resource {
  target          = module.ingest.aws_sqs_queue.this
  override_during = plan
  values = {
    arn = "arn:aws:sqs:us-west-2:111122223333:nmd-assignment-jane-doe-orders"
    id  = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders"
    url = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders"
  }
}

override_resource {
  target          = module.ingest.aws_sqs_queue.dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:us-west-2:111122223333:nmd-assignment-jane-doe-orders-dlq"
    id  = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders-dlq"
    url = "https://sqs.us-west-2.amazonaws.com/111122223333/nmd-assignment-jane-doe-orders-dlq"
  }
}

override_resource {
  target          = module.lambda.aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/nmd-assignment-jane-doe-handler"
  }
}

override_resource {
  target          = module.lambda.aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:us-west-2:111122223333:function:nmd-assignment-jane-doe-handler"
  }
}

override_resource {
  target          = module.ecr.aws_ecr_repository.this
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-west-2:111122223333:repository/nmd-assignment-jane-doe"
    repository_url = "111122223333.dkr.ecr.us-west-2.amazonaws.com/nmd-assignment-jane-doe"
  }
}

override_resource {
  target          = module.analytics.aws_iam_policy.query
  override_during = plan
  values = {
    arn = "arn:aws:iam::111122223333:policy/nmd-assignment-jane-doe-analytics-query"
  }
}
