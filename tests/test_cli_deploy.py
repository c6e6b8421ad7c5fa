"""`orders deploy` / `orders destroy` with fake terraform, docker and git on PATH, ECR on moto."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from cli import deploy
from cli.main import app
from tests.cli_support import (
    ACCOUNT,
    COMMIT,
    REPO_NAME,
    REPO_URL,
    fail_when,
    install_fake_tools,
    read_calls,
    reset_moto,
    start_moto,
)

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server, endpoint = start_moto()
    yield endpoint
    server.stop()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> Path:
    """Fake tools first on PATH, a stack folder with vars.tfvars and backend.hcl; the state dir."""
    reset_moto(moto_endpoint)
    state = tmp_path / "state"
    for name, value in install_fake_tools(tmp_path / "bin", state).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{Path('/usr/bin')}:{Path('/bin')}")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "vars.tfvars").write_text('candidate_name = "tester"\n')
    (stack / "backend.hcl").write_text('bucket = "state"\n')
    monkeypatch.setenv("ORDERS_TERRAFORM_DIR", str(stack))
    # A named profile with fake keys, for --profile (the fakes and boto3 both read it).
    (tmp_path / "aws-config").write_text("[profile dev]\nregion = us-west-2\n")
    (tmp_path / "aws-credentials").write_text(
        "[dev]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    return state


def calls_of(state: Path, tool: str | None = None) -> list[list[str]]:
    return [[c["tool"], *c["argv"]] for c in read_calls(state) if tool is None or c["tool"] == tool]


def step_names(state: Path) -> list[str]:
    """terraform/docker calls as 'tool subcommand' (git calls left out)."""
    names = []
    for call in calls_of(state):
        if call[0] == "git":
            continue
        args = [a for a in call[1:] if not a.startswith("-chdir=")]
        sub = args[0] if call[0] == "terraform" or args[0] != "buildx" else "buildx build"
        if sub == "apply":
            sub += " -target" if any(a.startswith("-target=") for a in args) else " full"
        names.append(f"{call[0]} {sub}")
    return names


def ecr_digest(tag: str) -> str:
    ecr = boto3.client("ecr", region_name="us-west-2")
    found = ecr.describe_images(repositoryName=REPO_NAME, imageIds=[{"imageTag": tag}])
    digest: str = found["imageDetails"][0]["imageDigest"]
    return digest


def test_deploy_runs_the_eight_steps_in_order(fake: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["deploy", "--auto-approve", "--profile", "dev"])
    assert result.exit_code == 0, result.output
    assert step_names(fake) == [
        "terraform init",
        "terraform apply -target",
        "terraform output",
        "docker buildx build",
        "docker login",
        "docker push",
        "terraform apply full",
        "terraform output",
    ]
    tf = calls_of(fake, "terraform")
    stack = tmp_path / "stack"
    assert tf[0] == [
        "terraform",
        f"-chdir={stack}",
        "init",
        "-input=false",
        f"-backend-config={stack / 'backend.hcl'}",
    ]
    var_args = [f"-var-file={stack / 'vars.tfvars'}", "-var", "aws_profile=dev"]
    assert tf[1] == [
        "terraform",
        f"-chdir={stack}",
        "apply",
        "-input=false",
        "-auto-approve",
        *var_args,
        "-target=module.ecr",
    ]
    build = calls_of(fake, "docker")[0]
    assert build[1:7] == [
        "buildx",
        "build",
        "--platform",
        "linux/arm64",
        "--provenance=false",
        "--sbom=false",
    ]
    assert f"{REPO_URL}:{COMMIT}" in build and build[-1] == str(ROOT)
    login = read_calls(fake)[[c["tool"] for c in read_calls(fake)].index("docker") + 1]
    assert login["argv"] == [
        "login",
        "--username",
        "AWS",
        "--password-stdin",
        f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com",
    ]
    assert login["stdin"] == f"{ACCOUNT}-auth-token"  # moto's ECR token, decoded
    assert calls_of(fake, "docker")[2] == ["docker", "push", f"{REPO_URL}:{COMMIT}"]
    image_uri = f"{REPO_URL}@{ecr_digest(COMMIT)}"
    assert deploy.IMAGE_URI_RE.match(image_uri)
    assert tf[3] == [
        "terraform",
        f"-chdir={stack}",
        "apply",
        "-input=false",
        "-auto-approve",
        *var_args,
        "-var",
        f"image_uri={image_uri}",
    ]
    out = " ".join(result.output.split())
    for n in range(1, 9):
        assert f"[{n}/8]" in out
    assert "input_bucket_name" in out and image_uri in out
    assert "next: orders upload assessment_assets/sample_orders.csv --profile dev" in out


def test_second_deploy_of_the_same_commit_reuses_the_pushed_image(fake: Path) -> None:
    assert runner.invoke(app, ["deploy", "--auto-approve"]).exit_code == 0
    (fake / "calls.jsonl").unlink()
    result = runner.invoke(app, ["deploy", "--auto-approve"])
    assert result.exit_code == 0, result.output
    assert [c for c in step_names(fake) if c.startswith("docker")] == []
    out = " ".join(result.output.split())
    assert "already in ECR" in out and "skipped: already pushed" in out
    final_apply = calls_of(fake, "terraform")[3]
    assert f"image_uri={REPO_URL}@{ecr_digest(COMMIT)}" in final_apply


def test_dirty_tree_gets_a_unique_tag(fake: Path) -> None:
    (fake / "dirty").touch()
    result = runner.invoke(app, ["deploy", "--auto-approve"])
    assert result.exit_code == 0, result.output
    pushed = calls_of(fake, "docker")[2][2]
    assert re.fullmatch(rf"{re.escape(REPO_URL)}:{COMMIT}-dirty-\d{{8}}T\d{{6}}Z", pushed)


def test_without_auto_approve_terraform_asks(fake: Path) -> None:
    result = runner.invoke(app, ["deploy"])
    assert result.exit_code == 0, result.output
    applies = [c for c in calls_of(fake, "terraform") if "apply" in c]
    assert applies and all("-auto-approve" not in c and "-input=false" not in c for c in applies)


def test_explicit_var_file_backend_config_and_region(fake: Path, tmp_path: Path) -> None:
    other = tmp_path / "prod.tfvars"
    other.write_text('candidate_name = "tester"\n')
    result = runner.invoke(
        app,
        [
            "deploy",
            "--auto-approve",
            "--var-file",
            str(other),
            "--backend-config",
            str(tmp_path / "stack" / "backend.hcl"),
            "--backend-config",
            "key=nmd-assignment-tester.tfstate",
            "--region",
            "us-west-2",
        ],
    )
    assert result.exit_code == 0, result.output
    init, target = calls_of(fake, "terraform")[:2]
    assert init[-2:] == [
        f"-backend-config={tmp_path / 'stack' / 'backend.hcl'}",
        "-backend-config=key=nmd-assignment-tester.tfstate",
    ]
    assert f"-var-file={other}" in target
    assert "region_name=us-west-2" in target


def test_dry_run_prints_every_command_and_runs_nothing(fake: Path) -> None:
    result = runner.invoke(app, ["deploy", "--dry-run", "--auto-approve"])
    assert result.exit_code == 0, result.output
    assert [c for c in calls_of(fake) if c[0] != "git"] == []
    out = " ".join(result.output.split())
    assert "init -input=false -backend-config=" in out
    assert "apply -input=false -auto-approve" in out and "-target=module.ecr" in out
    assert (
        "docker buildx build --platform linux/arm64 --provenance=false --sbom=false --load "
        f"--tag '<ecr_repository_url>:{COMMIT}'" in out
    )
    assert "docker login --username AWS --password-stdin '<registry>'" in out
    assert f"docker push '<ecr_repository_url>:{COMMIT}'" in out
    assert "'image_uri=<ecr_repository_url>@sha256:<digest>'" in out
    assert "terraform" in out and "output -json" in out
    assert not (fake / "outputs.json").exists()


def test_deploy_finds_the_checkout_from_the_flag_the_environment_or_the_cwd(
    fake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not a checkout: an installed CLI has no Dockerfile beside it
    result = runner.invoke(app, ["deploy", "--dry-run"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path} is not a checkout of orders-pipeline (no terraform/assignment/ in "
        "it): run from the checkout, pass --project-dir DIR or set ORDERS_PROJECT_DIR\n"
    )
    for args, env in (
        (["--project-dir", str(ROOT)], {}),
        ([], {"ORDERS_PROJECT_DIR": str(ROOT)}),
    ):
        result = runner.invoke(app, ["deploy", "--dry-run", *args], env=env)
        assert result.exit_code == 0, result.output
        assert f"--load --tag '<ecr_repository_url>:{COMMIT}' {ROOT}" in " ".join(
            result.stdout.split()
        )


def test_failing_step_stops_with_the_tools_stderr_and_a_hint(fake: Path) -> None:
    fail_when(fake, "buildx build", 1, "ERROR: failed to solve: no space left on device")
    result = runner.invoke(app, ["deploy", "--auto-approve"])
    assert result.exit_code == 1
    assert step_names(fake) == [
        "terraform init",
        "terraform apply -target",
        "terraform output",
        "docker buildx build",
    ]
    err = " ".join(result.stderr.split())
    assert "exited with 1" in err
    assert "no space left on device" in err
    assert "hint:" in err and "docker buildx version" in err
    assert "✗" in result.stdout


def test_failing_terraform_init_shows_the_backend_hint(fake: Path) -> None:
    fail_when(fake, "init", 1, "Error: Failed to get existing workspaces: AccessDenied")
    result = runner.invoke(app, ["deploy", "--auto-approve"])
    assert result.exit_code == 1
    assert step_names(fake) == ["terraform init"]
    assert "AccessDenied" in result.stderr and "--backend-config" in result.stderr


@pytest.mark.parametrize(
    ("present", "missing", "install"),
    [(("terraform", "git"), "docker", "Docker"), (("docker", "git"), "terraform", "Terraform")],
)
def test_missing_tool_is_one_line_saying_what_to_install(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    present: tuple[str, ...],
    missing: str,
    install: str,
) -> None:
    state = tmp_path / "state"
    for name, value in install_fake_tools(tmp_path / "bin", state, present).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "vars.tfvars").write_text("")
    monkeypatch.setenv("ORDERS_TERRAFORM_DIR", str(stack))
    result = runner.invoke(app, ["deploy"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{missing} not found on PATH: install {install}" in lines[0]
    assert read_calls(state) == []


def test_missing_var_file_fails_before_any_step(fake: Path, tmp_path: Path) -> None:
    (tmp_path / "stack" / "vars.tfvars").unlink()
    result = runner.invoke(app, ["deploy"])
    assert result.exit_code == 1
    assert "no variables file" in result.stderr and "--var-file" in result.stderr
    assert calls_of(fake, "terraform") == []


def test_ecr_login_uses_the_token_from_moto(fake: Path, moto_endpoint: str) -> None:
    from cli.tools import Runner

    ecr = boto3.client("ecr", region_name="us-west-2")
    echoed: list[str] = []
    repo = deploy.Repository.parse(REPO_URL)
    deploy.ecr_login(Runner(echo=echoed.append), ecr, repo)
    (login,) = read_calls(fake)
    assert login["argv"][-1] == repo.registry
    assert login["stdin"] == f"{ACCOUNT}-auth-token"
    assert echoed == [
        f"docker login --username AWS --password-stdin {repo.registry}"
        "  <<< token from ecr:GetAuthorizationToken"
    ]


def test_an_image_index_is_refused(moto_endpoint: str, fake: Path) -> None:
    class FakeEcr:
        def describe_images(self, **_: Any) -> dict[str, Any]:
            return {
                "imageDetails": [
                    {
                        "imageDigest": "sha256:" + "a" * 64,
                        "imageManifestMediaType": "application/vnd.oci.image.index.v1+json",
                    }
                ]
            }

    with pytest.raises(deploy.DeployError, match="image index"):
        deploy.pushed_image_uri(FakeEcr(), deploy.Repository.parse(REPO_URL), "t")


def test_image_tag_outside_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no git at all
    assert re.fullmatch(r"build-\d{8}T\d{6}Z", deploy.image_tag(tmp_path))


def image_uri_validation(variables_tf: Path) -> str:
    """The pattern in ``regex("...")`` of the ``image_uri`` variable's validation, unescaped."""
    text = variables_tf.read_text()
    block = text[text.index('variable "image_uri"') :]
    block = block[: block.index("\n}\n")]
    (literal,) = re.findall(r'regex\("((?:[^"\\]|\\.)*)"', block)
    return re.sub(r"\\(.)", r"\1", literal)


@pytest.mark.parametrize(
    "variables_tf", ["terraform/assignment/variables.tf", "terraform/modules/lambda/variables.tf"]
)
def test_terraform_validates_image_uri_with_the_one_pattern(variables_tf: str) -> None:
    """cli/deploy.py's IMAGE_URI_PATTERN is the definition; Terraform's copies must match it."""
    assert image_uri_validation(ROOT / variables_tf) == deploy.IMAGE_URI_PATTERN


def test_repository_url_is_parsed() -> None:
    repo = deploy.Repository.parse(REPO_URL)
    assert (repo.account, repo.region, repo.name) == (ACCOUNT, "us-west-2", REPO_NAME)
    with pytest.raises(deploy.DeployError):
        deploy.Repository.parse("docker.io/library/python")


# --- destroy ----------------------------------------------------------------------------


def deployed(fake: Path) -> None:
    assert runner.invoke(app, ["deploy", "--auto-approve"]).exit_code == 0
    (fake / "calls.jsonl").unlink()


def test_destroy_asks_and_passes_the_deployed_image(fake: Path) -> None:
    deployed(fake)
    result = runner.invoke(app, ["destroy"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Destroy every resource" in result.output
    destroy_call = calls_of(fake, "terraform")[-1]
    assert destroy_call[2:5] == ["destroy", "-input=false", "-auto-approve"]
    assert f"image_uri={REPO_URL}@{ecr_digest(COMMIT)}" in destroy_call
    assert "force_destroy=true" not in destroy_call


def test_destroy_declined_changes_nothing(fake: Path) -> None:
    deployed(fake)
    result = runner.invoke(app, ["destroy"], input="n\n")
    assert result.exit_code == 1
    assert "cancelled" in result.stderr
    assert calls_of(fake) == []


def test_destroy_yes_with_delete_data_first_allows_force_destroy(fake: Path) -> None:
    deployed(fake)
    result = runner.invoke(app, ["destroy", "--yes", "--delete-data"])
    assert result.exit_code == 0, result.output
    names = [c[2] for c in calls_of(fake, "terraform")]
    assert names == ["output", "apply", "destroy"]
    apply_call, destroy_call = calls_of(fake, "terraform")[1:]
    assert "force_destroy=true" in apply_call and "force_destroy=true" in destroy_call


def test_destroy_failure_hints_at_delete_data(fake: Path) -> None:
    deployed(fake)
    fail_when(fake, "destroy", 1, "Error: deleting S3 Bucket: BucketNotEmpty")
    result = runner.invoke(app, ["destroy", "--yes"])
    assert result.exit_code == 1
    assert "BucketNotEmpty" in result.stderr and "--delete-data" in result.stderr


def test_destroy_dry_run_prints_and_runs_nothing(fake: Path) -> None:
    deployed(fake)
    result = runner.invoke(app, ["destroy", "--dry-run", "--delete-data"], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert calls_of(fake) == []
    assert "apply -input=false -auto-approve" in result.stdout
    assert "destroy -input=false -auto-approve" in result.stdout
    assert "force_destroy=true" in result.stdout
