"""``orders deploy`` and ``orders destroy``: the Terraform + image steps of terraform/README.md.

Deploy runs eight steps, each announced on one status line:

1. ``terraform init`` with the backend configuration;
2. ``terraform apply -target=module.ecr``: the repository must exist before an
   image can be pushed, and the function cannot exist before an image;
3. ``docker buildx build --platform linux/arm64 --provenance=false --sbom=false``
   tagged ``<commit>`` (``<commit>-dirty-<UTC time>`` for a changed tree, since
   the repository's tags are immutable; ``build-<UTC time>`` outside git);
4. ECR login: boto3 ``GetAuthorizationToken`` piped to ``docker login --password-stdin``;
5. ``docker push``;
6. the pushed digest, read from ECR itself (``DescribeImages``): that is what
   Lambda will pull, whatever the local Docker's image store reports;
7. ``terraform apply -var image_uri=<repo>@sha256:<digest>``;
8. the stack outputs and the command to try next.

A commit already pushed (its tag is in ECR) is not rebuilt: steps 3-5 are
skipped and its digest is deployed. ``--dry-run`` prints every command and
runs no terraform, docker or AWS call (it reads the git commit for the tag).
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.config import AwsTarget, ConfigError, parse_outputs
from cli.render import StepLog
from cli.tools import Runner, StepFailedError

ECR_MODULE = "module.ecr"  # the repository's module address in terraform/assignment/main.tf
PLATFORM = "linux/arm64"  # the function's architecture is arm64
TOTAL_STEPS = 8
DEFAULT_VAR_FILE = "vars.tfvars"
DEFAULT_BACKEND_FILE = "backend.hcl"

# What Lambda accepts as var.image_uri: an ECR image pinned by digest. The one definition:
# the validations of var.image_uri in terraform/assignment/variables.tf and
# terraform/modules/lambda/variables.tf must hold this exact text (tests/test_cli_deploy.py).
IMAGE_URI_PATTERN = (
    r"^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/"
    r"[a-z0-9]+(?:[._/-][a-z0-9]+)*@sha256:[0-9a-f]{64}$"
)
IMAGE_URI_RE = re.compile(IMAGE_URI_PATTERN)
REPOSITORY_URL_RE = re.compile(
    r"^(?P<registry>(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)"
    r"\.amazonaws\.com(?:\.cn)?)/(?P<name>[a-z0-9][a-z0-9._/-]*)$"
)
# Lambda accepts a single image manifest, not an index (what attestations produce).
INDEX_MEDIA_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
# Outputs printed at the end, in this order (the ones the CLI reads).
SHOWN_OUTPUTS = (
    "input_bucket_name",
    "output_bucket_name",
    "queue_url",
    "dlq_url",
    "function_name",
    "log_group_name",
    "ecr_repository_url",
    "image_uri",
    "region",
)

HINTS = {
    "init": "check the backend settings (--backend-config: bucket, key, region, profile) and "
    "that your credentials work (--profile); see terraform/README.md, steps 1-2",
    "apply": "read Terraform's error above; `terraform -chdir={dir} plan -var-file={var_file}` "
    "shows the plan without changing anything",
    "build": "is the Docker daemon running and `docker buildx version` working? Building arm64 "
    "on an x86 machine needs QEMU: `docker run --privileged --rm tonistiigi/binfmt --install "
    "arm64`",
    "login": "is the Docker daemon running? The token comes from ecr:GetAuthorizationToken",
    "push": "check the login above and your ecr:InitiateLayerUpload/PutImage permissions",
    "destroy": "buckets and the repository refuse deletion while they hold data: "
    "`orders destroy --delete-data` empties them first (see terraform/README.md, Teardown)",
}


class DeployError(Exception):
    """A step failed outside a subprocess (an AWS call, a bad output); message + hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class StackOptions:
    """Where the stack is and how to call Terraform on it."""

    stack_dir: Path
    var_file: Path
    backend_configs: tuple[str, ...] = ()
    auto_approve: bool = False
    profile: str | None = None  # -var aws_profile=... and AWS_PROFILE for the backend
    region: str | None = None  # -var region_name=... (only when --region was given)

    def terraform(self, *args: str) -> list[str]:
        return ["terraform", f"-chdir={self.stack_dir}", *args]

    def variables(self) -> list[str]:
        args = [f"-var-file={self.var_file}"]
        if self.profile:
            args += ["-var", f"aws_profile={self.profile}"]
        if self.region:
            args += ["-var", f"region_name={self.region}"]
        return args

    def apply(self, *extra: str) -> list[str]:
        approve = ["-input=false", "-auto-approve"] if self.auto_approve else []
        return self.terraform("apply", *approve, *self.variables(), *extra)


def stack_options(
    stack_dir: Path,
    *,
    var_file: Path | None,
    backend_configs: list[str],
    auto_approve: bool,
    profile: str | None,
    region: str | None,
) -> StackOptions:
    """Options with defaults filled in and every path made absolute (``-chdir`` moves cwd).

    Defaults: ``<stack>/vars.tfvars`` and, when present, ``<stack>/backend.hcl``.
    ``--backend-config`` values that are not files (``key=...``) pass through.
    """
    stack_dir = stack_dir.resolve()
    chosen = var_file if var_file is not None else stack_dir / DEFAULT_VAR_FILE
    if not chosen.is_file():
        raise DeployError(
            f"no variables file at {chosen}",
            f"create {stack_dir / DEFAULT_VAR_FILE} (see terraform/README.md) or pass --var-file",
        )
    configs: list[str] = []
    for item in backend_configs:
        path = Path(item)
        configs.append(str(path.resolve()) if path.is_file() else item)
    default_backend = stack_dir / DEFAULT_BACKEND_FILE
    if not backend_configs and default_backend.is_file():
        configs.append(str(default_backend))
    return StackOptions(
        stack_dir=stack_dir,
        var_file=chosen.resolve(),
        backend_configs=tuple(configs),
        auto_approve=auto_approve,
        profile=profile,
        region=region,
    )


@dataclass(frozen=True)
class Repository:
    """An ECR repository URL taken apart."""

    url: str
    registry: str
    account: str
    region: str
    name: str

    @classmethod
    def parse(cls, url: str) -> Repository:
        match = REPOSITORY_URL_RE.match(url)
        if not match:
            raise DeployError(f"ecr_repository_url {url!r} is not an ECR repository URL")
        return cls(url=url, **{k: match[k] for k in ("registry", "account", "region", "name")})


@dataclass
class DeployResult:
    """What a deploy did: the image it deployed and the stack's outputs."""

    tag: str = ""
    image_uri: str = ""
    built: bool = False
    outputs: dict[str, Any] = field(default_factory=dict)


def image_tag(root: Path, now: datetime | None = None) -> str:
    """``<commit>``, ``<commit>-dirty-<UTC time>``, or ``build-<UTC time>`` outside git.

    Read-only git calls (``--no-optional-locks``: not even the index is refreshed).
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    git = shutil.which("git")
    if git is None:
        return f"build-{stamp}"
    base = [git, "--no-optional-locks", "-C", str(root)]
    head = subprocess.run(
        [*base, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=False
    )
    commit = head.stdout.strip()
    if head.returncode != 0 or not commit:
        return f"build-{stamp}"
    status = subprocess.run(
        [*base, "status", "--porcelain"], capture_output=True, text=True, check=False
    )
    dirty = status.returncode != 0 or bool(status.stdout.strip())
    return f"{commit}-dirty-{stamp}" if dirty else commit


@contextmanager
def aws_call(action: str, hint: str = "check --profile and --region") -> Iterator[None]:
    """Turn a botocore error (or a missing region) into a one-line ``DeployError``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError, ConfigError) as exc:
        raise DeployError(f"{action}: {exc}", hint) from None


def read_outputs(runner: Runner, opts: StackOptions) -> dict[str, Any]:
    """``terraform output -json`` as ``{name: value}`` (empty in a dry run)."""
    result = runner.run(
        opts.terraform("output", "-json"),
        capture=True,
        hint="run `orders deploy` first; the stack has no state yet",
    )
    return {} if runner.dry_run else parse_outputs(result.stdout)


def find_image(ecr: Any, repo: Repository, tag: str) -> dict[str, Any] | None:
    """The image with ``tag`` in the repository (``DescribeImages``), or None."""
    from botocore.exceptions import ClientError

    try:
        found = ecr.describe_images(
            registryId=repo.account, repositoryName=repo.name, imageIds=[{"imageTag": tag}]
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ImageNotFoundException":
            return None
        raise
    details: list[dict[str, Any]] = found.get("imageDetails", [])
    return details[0] if details else None


def pushed_image_uri(ecr: Any, repo: Repository, tag: str) -> str:
    """``<repo>@sha256:<digest>`` of the pushed tag, checked to be a plain image manifest."""
    image = find_image(ecr, repo, tag)
    if image is None:
        raise DeployError(f"{repo.url}:{tag} is not in ECR after the push", HINTS["push"])
    media_type = image.get("imageManifestMediaType")
    if media_type in INDEX_MEDIA_TYPES:
        raise DeployError(
            f"{repo.url}:{tag} is an image index ({media_type}); Lambda needs a single manifest",
            "build with --provenance=false --sbom=false (as orders deploy does) and one platform",
        )
    uri = f"{repo.url}@{image.get('imageDigest', '')}"
    if not IMAGE_URI_RE.match(uri):
        raise DeployError(f"unexpected image reference from ECR: {uri}")
    return uri


def ecr_login(runner: Runner, ecr: Any, repo: Repository) -> None:
    """boto3 ``GetAuthorizationToken`` -> ``docker login --password-stdin`` (no AWS CLI)."""
    argv = ["docker", "login", "--username", "AWS", "--password-stdin", repo.registry]
    note = "token from ecr:GetAuthorizationToken"
    if runner.dry_run:
        runner.run(argv, stdin_note=note)
        return
    with aws_call("ecr:GetAuthorizationToken"):
        data = ecr.get_authorization_token(registryIds=[repo.account])["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    argv[3] = user
    runner.run(argv, capture=True, input_text=password, stdin_note=note, hint=HINTS["login"])


def deploy(
    opts: StackOptions,
    *,
    context_dir: Path,
    runner: Runner,
    log: StepLog,
    aws: AwsTarget,
    tag: str,
) -> DeployResult:
    """Run the eight steps (see the module docstring); raise on the first failure."""
    result = DeployResult(tag=tag)
    dry = runner.dry_run
    hint_apply = HINTS["apply"].format(dir=opts.stack_dir, var_file=opts.var_file)

    with log.step("terraform init"):
        init = opts.terraform("init", "-input=false")
        init += [f"-backend-config={item}" for item in opts.backend_configs]
        runner.run(init, hint=HINTS["init"])

    with log.step(f"ECR repository (apply -target={ECR_MODULE})"):
        runner.run(opts.apply(f"-target={ECR_MODULE}"), hint=hint_apply)
        outputs = read_outputs(runner, opts)
        if dry:
            repo = Repository(
                "<ecr_repository_url>", "<registry>", "<account>", "<region>", "<name>"
            )
        else:
            url = outputs.get("ecr_repository_url")
            if not isinstance(url, str) or not url:
                raise DeployError("the stack has no ecr_repository_url output", hint_apply)
            repo = Repository.parse(url)
            log.note = repo.url

    ecr: Any = None
    existing: dict[str, Any] | None = None
    if not dry:
        with aws_call("ecr:DescribeImages"):
            ecr = aws.client("ecr", region=repo.region)
            existing = find_image(ecr, repo, tag)
    reference = f"{repo.url}:{tag}"

    with log.step(f"build the image ({PLATFORM}, tag {tag})"):
        if existing:
            log.note = f"already in ECR ({existing.get('imageDigest')}): not rebuilt"
        else:
            runner.run(
                [
                    "docker",
                    "buildx",
                    "build",
                    "--platform",
                    PLATFORM,
                    "--provenance=false",
                    "--sbom=false",
                    "--load",
                    "--tag",
                    reference,
                    str(context_dir),
                ],
                hint=HINTS["build"],
            )
            result.built = True

    with log.step("ECR login"):
        if existing:
            log.note = "skipped: nothing to push"
        else:
            ecr_login(runner, ecr, repo)

    with log.step("push the image"):
        if existing:
            log.note = "skipped: already pushed"
        else:
            runner.run(["docker", "push", reference], hint=HINTS["push"])

    with log.step("read the pushed digest"):
        if dry:
            log.command(f"(boto3) ecr.describe_images(repositoryName={repo.name}, tag={tag})")
            result.image_uri = f"{repo.url}@sha256:<digest>"
        else:
            with aws_call("ecr:DescribeImages"):
                result.image_uri = pushed_image_uri(ecr, repo, tag)
            log.note = result.image_uri

    with log.step("terraform apply (the whole stack, this image)"):
        runner.run(opts.apply("-var", f"image_uri={result.image_uri}"), hint=hint_apply)

    with log.step("stack outputs"):
        result.outputs = read_outputs(runner, opts)
    return result


def destroy(opts: StackOptions, *, runner: Runner, log: StepLog, delete_data: bool = False) -> None:
    """``terraform destroy`` of the stack (the caller asked for confirmation).

    The deployed ``image_uri`` (an output) is passed back, as the variable is
    validated even when destroying. ``delete_data`` first applies
    ``force_destroy=true`` so non-empty buckets and the repository can go.
    """
    with log.step("current image (terraform output)"):
        try:
            outputs = read_outputs(runner, opts)
        except StepFailedError:
            outputs = {}
            log.note = "no outputs: destroying without image_uri"
    image_uri = outputs.get("image_uri")
    extra = ["-var", f"image_uri={image_uri}"] if isinstance(image_uri, str) and image_uri else []
    force = ["-var", "force_destroy=true"] if delete_data else []
    if delete_data:
        with log.step("allow deleting data (terraform apply -var force_destroy=true)"):
            apply = opts.terraform(
                "apply", "-input=false", "-auto-approve", *opts.variables(), *extra, *force
            )
            runner.run(
                apply, hint=HINTS["apply"].format(dir=opts.stack_dir, var_file=opts.var_file)
            )
    with log.step("terraform destroy"):
        argv = opts.terraform(
            "destroy", "-input=false", "-auto-approve", *opts.variables(), *extra, *force
        )
        runner.run(argv, hint=HINTS["destroy"])
