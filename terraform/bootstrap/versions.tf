terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Local state on purpose: this stack creates the bucket remote state would live in. Its state
  # holds nothing secret; keep terraform.tfstate (git-ignored) or migrate it into the new bucket
  # afterwards (see README.md).
}

provider "aws" {
  region  = var.region_name
  profile = var.aws_profile

  default_tags {
    tags = {
      Project   = var.project
      Purpose   = "terraform-state"
      ManagedBy = "terraform"
    }
  }
}
