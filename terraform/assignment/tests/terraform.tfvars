# The variables of every `terraform test` run in this folder (runs override them where they test
# something else). Terraform test loads this file for both test files.
candidate_name = "Jane_Doe"
aws_profile    = "test-profile"
image_uri      = "111122223333.dkr.ecr.us-west-2.amazonaws.com/nmd-assignment-jane-doe@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
