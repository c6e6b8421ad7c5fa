#!/usr/bin/env bash
# Print the local filesystem mirror of Terraform providers on this machine (the folder holding
# registry.terraform.io/hashicorp/aws), or nothing when there is none (then `terraform init`
# downloads providers as usual). TF_PROVIDER_MIRROR, when set, wins.
# Used by .ci/run, scripts/terraform-check.sh and make e2e (tests/e2e/harness.py).
set -euo pipefail

if [ -n "${TF_PROVIDER_MIRROR:-}" ]; then
  echo "$TF_PROVIDER_MIRROR"
  exit 0
fi
# Skip what only looks like a mirror: provider copies inside .terraform/ or a TF_DATA_DIR
# (<dir>/providers/registry.terraform.io), plugin caches, this project's temporary copies.
while IFS= read -r hashicorp_dir; do
  case "$hashicorp_dir" in
  */.terraform/* | */providers/registry.terraform.io/* | *plugin-cache* | */terraform-check.*) continue ;;
  esac
  if [ -d "$hashicorp_dir/aws" ]; then
    dirname "$(dirname "$hashicorp_dir")"
    exit 0
  fi
done < <(find / -xdev -type d -path '*/registry.terraform.io/hashicorp' -not -path '*/.terraform/*' \
  -not -path '/proc/*' 2>/dev/null || true)
