# `name_with_policy` is what callers give another bucket's access logging as its target
# (terraform/assignment): it must carry the dependency on the bucket policy (S3 refuses a
# logging target that does not grant logging.s3.amazonaws.com yet) and still be known at plan
# time, because the logging resource's count depends on it. No override here: the bucket's
# computed attributes (id, arn) stay unknown during the plan, as on a first apply.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name = "orders-test-logs"
}

run "known_at_plan_on_a_first_apply" {
  command = plan

  assert {
    condition     = output.name_with_policy == "orders-test-logs"
    error_message = "name_with_policy must be the bucket name and known at plan time (the access logging count of other buckets depends on it)."
  }
}
