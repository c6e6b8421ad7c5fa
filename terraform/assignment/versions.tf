terraform {
  # 1.10: the S3 backend's native lock file (use_lockfile); 1.9+: validations that read other variables.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is the floor (offline mirror of the CI machines); 6.x is what users run.
      version = ">= 5.100, < 7.0"
    }
  }

  # Partial configuration: bucket, key, region (and profile) come from
  #   terraform init -backend-config=backend.hcl -backend-config="key=nmd-assignment-<name>.tfstate"
  # see backend.hcl.example. The lock is an S3 object next to the state (no DynamoDB table).
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region  = var.region_name
  profile = var.aws_profile

  # Every taggable resource carries these; modules add only resource-specific tags.
  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Candidate   = var.candidate_name
      Environment = var.env
      Application = "orders-pipeline"
      ManagedBy   = "terraform"
    })
  }
}
