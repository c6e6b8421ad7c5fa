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
}

run "default_state_bucket_name" {
  command = plan

  assert {
    condition     = output.state_bucket_name == "nmd-assignment-tfstate-111122223333"
    error_message = "The default state bucket must be <project>-tfstate-<account id>."
  }

  assert {
    condition     = output.backend_config == "bucket = \"nmd-assignment-tfstate-111122223333\"\nregion = \"us-west-2\"\n"
    error_message = "backend_config must be a ready-to-use backend.hcl."
  }
}

run "named_state_bucket" {
  command = plan

  variables {
    state_bucket_name = "my-team-terraform-state"
  }

  assert {
    condition     = output.state_bucket_name == "my-team-terraform-state"
    error_message = "state_bucket_name must be used as given."
  }
}

run "rejects_invalid_bucket_name" {
  command = plan

  variables {
    state_bucket_name = "My_State"
  }

  expect_failures = [var.state_bucket_name]
}
