#!/usr/bin/env bash
# Offline checks of terraform/: fmt, init + validate (root, bootstrap, every module), terraform test
# (mock provider, plan only), checkov, and the provider-6.x schema check (../shared/tools/tfcheck.py)
# when it exists. Run from anywhere: `make terraform-check` or `bash scripts/terraform-check.sh`.
#
# Environment:
#   TF_PROVIDER_MIRROR  folder holding registry.terraform.io/hashicorp/aws (a filesystem mirror).
#                       Unset: discovered on this machine; none found: providers are downloaded.
#   CHECKOV_VERSION     checkov release installed into .venv-checkov (default 3.3.30).
#   TERRAFORM           terraform binary (default: the one on PATH).
#
# Nothing is written to the source tree except .venv-checkov/: Terraform runs on a temporary copy
# of terraform/ with a temporary CLI config, data dirs and plugin cache, all removed at exit.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
TF_DIR=terraform
CHECKOV_VERSION=${CHECKOV_VERSION:-3.3.30}

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'terraform-check: %s\n' "$*" >&2
  exit 1
}

# --- 1. terraform -------------------------------------------------------------------------------
TERRAFORM=${TERRAFORM:-$(command -v terraform || true)}
[ -n "$TERRAFORM" ] && [ -x "$TERRAFORM" ] ||
  die "terraform not found on PATH (install Terraform >= 1.10, or set TERRAFORM=/path/to/terraform)"
[ -d "$TF_DIR" ] || die "no $TF_DIR/ folder in $ROOT"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/terraform-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- 2. CLI config: local provider mirror when there is one --------------------------------------
# Discovery as in ../shared/tools/README.md (scripts/terraform-mirror.sh); none: download.
TF_PROVIDER_MIRROR=$(bash "$ROOT/scripts/terraform-mirror.sh")

mkdir -p "$WORK/plugin-cache"
{
  printf 'plugin_cache_dir = "%s"\n' "$WORK/plugin-cache"
  if [ -n "${TF_PROVIDER_MIRROR:-}" ]; then
    [ -d "$TF_PROVIDER_MIRROR/registry.terraform.io/hashicorp/aws" ] ||
      die "TF_PROVIDER_MIRROR=$TF_PROVIDER_MIRROR has no registry.terraform.io/hashicorp/aws"
    cat <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$TF_PROVIDER_MIRROR"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF
  fi
} >"$WORK/cli.tfrc"
export TF_CLI_CONFIG_FILE="$WORK/cli.tfrc"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
unset TF_WORKSPACE TF_DATA_DIR
echo "terraform: $("$TERRAFORM" version | head -1); provider source: ${TF_PROVIDER_MIRROR:-registry (download)}"

# --- 3. fmt, init/validate/test, on a clean copy ---------------------------------------------------
# A copy without local state, .terraform dirs or lock files: the checks never touch (or trip over)
# what a real deployment left in the working tree. Paths below are relative to the repository.
# cli/queries/ comes along: the root stack reads the named queries' SQL files from there.
mkdir "$WORK/src"
tar -C "$ROOT" --exclude='.terraform' --exclude='.terraform.lock.hcl' --exclude='*.tfstate' \
  --exclude='*.tfstate.*' --exclude='*.tfplan' -cf - "$TF_DIR" cli/queries | tar -C "$WORK/src" -xf -

step "terraform fmt -check -recursive $TF_DIR/"
(cd "$WORK/src" && "$TERRAFORM" fmt -check -recursive -diff "$TF_DIR/") ||
  die "formatting differs: run terraform fmt -recursive $TF_DIR/"

mapfile -t STACKS < <(
  cd "$WORK/src"
  for d in "$TF_DIR/assignment" "$TF_DIR/bootstrap" "$TF_DIR"/modules/*/; do
    d=${d%/}
    compgen -G "$d/*.tf" >/dev/null && echo "$d"
  done
)
[ "${#STACKS[@]}" -gt 0 ] || die "no Terraform configurations found under $TF_DIR/"

tests_run=0
for d in "${STACKS[@]}"; do
  step "$d: init, validate, test"
  export TF_DATA_DIR="$WORK/data/${d//\//_}"
  (
    cd "$WORK/src/$d"
    "$TERRAFORM" init -backend=false -input=false -no-color >"$WORK/init.log" 2>&1 ||
      {
        cat "$WORK/init.log"
        exit 1
      }
    "$TERRAFORM" validate -no-color
    if compgen -G "tests/*.tftest.hcl" >/dev/null || compgen -G "*.tftest.hcl" >/dev/null; then
      "$TERRAFORM" test -no-color
    else
      echo "(no terraform test files)"
    fi
  ) || die "$d failed"
  if compgen -G "$WORK/src/$d/tests/*.tftest.hcl" >/dev/null; then
    tests_run=$((tests_run + 1))
  fi
done
unset TF_DATA_DIR

# --- 4. checkov, in its own virtualenv --------------------------------------------------------------
step "checkov $CHECKOV_VERSION over $TF_DIR/"
CHECKOV_VENV="$ROOT/.venv-checkov"
if ! "$CHECKOV_VENV/bin/checkov" --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
  echo "installing checkov==$CHECKOV_VERSION into .venv-checkov (once)"
  PYTHON=${PYTHON:-python3}
  command -v "$PYTHON" >/dev/null || die "python3 not found (needed for checkov)"
  rm -rf "$CHECKOV_VENV"
  "$PYTHON" -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" \
    >"$WORK/pip.log" 2>&1 || {
    cat "$WORK/pip.log"
    die "could not install checkov==$CHECKOV_VERSION"
  }
fi
# One run, JSON report; the summary below lists every failure and every inline skip with its reason.
"$CHECKOV_VENV/bin/checkov" --directory "$WORK/src/$TF_DIR" --framework terraform \
  --download-external-modules false --skip-download --output json \
  --output-file-path "$WORK/checkov" >/dev/null 2>"$WORK/checkov.log" || true
[ -s "$WORK/checkov/results_json.json" ] || {
  cat "$WORK/checkov.log"
  die "checkov produced no report"
}
"$CHECKOV_VENV/bin/python" - "$WORK/checkov/results_json.json" <<'EOF_PY' || die "checkov reported failed checks or parsing errors"
import json
import sys

data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
passed = failed = skipped = parsing = 0
lines = []
for report in reports:
    summary = report.get("summary", {})
    passed += summary.get("passed", 0)
    failed += summary.get("failed", 0)
    skipped += summary.get("skipped", 0)
    parsing += summary.get("parsing_errors", 0)
    results = report.get("results", {})
    for c in results.get("failed_checks", []):
        first, last = c.get("file_line_range", ["?", "?"])
        lines.append(f"  FAILED  {c['check_id']} {c['resource']} ({c['file_path']}:{first}-{last}): {c['check_name']}")
    for c in results.get("skipped_checks", []):
        reason = (c.get("check_result") or {}).get("suppress_comment", "")
        lines.append(f"  skipped {c['check_id']} {c['resource']}: {reason}")
    for f in results.get("parsing_errors", []):
        lines.append(f"  PARSING ERROR {f}")
print("\n".join(lines))
print(f"checkov: {passed} passed, {failed} failed, {skipped} skipped (inline, with the reasons above)")
sys.exit(1 if failed or parsing else 0)
EOF_PY

# --- 5. provider-6.x schema check -------------------------------------------------------------------
TFCHECK=../shared/tools/tfcheck.py
if [ -f "$TFCHECK" ]; then
  step "tfcheck (hashicorp/aws 6.x schema)"
  PY=.venv/bin/python
  [ -x "$PY" ] || die ".venv/bin/python missing (run make install): tfcheck needs python-hcl2"
  "$PY" "$TFCHECK" "$TF_DIR/" || die "tfcheck found problems"
else
  step "tfcheck: $TFCHECK not found, skipped"
fi

printf '\nterraform-check: all checks passed (%d configurations validated, %d with terraform test)\n' \
  "${#STACKS[@]}" "$tests_run"
