"""``orders deploy`` and ``orders destroy``: Terraform and the image, from a checkout.

Both need the project's Terraform (and deploy its Dockerfile): they find the
checkout from ``--project-dir``, ``ORDERS_PROJECT_DIR`` or the current
directory (``cli.config.project_root``). The steps are ``cli.deploy``'s; each
is shown as it runs (``cli.render.StepLog``) and the tools' own output streams
through, so these two commands have no ``--json``: the stack's outputs are
``terraform output -json``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli import render
from cli.errors import Failure
from cli.options import DryRun, Profile, ProjectDir, StackRegion, VarFile

BackendConfig = Annotated[
    list[str] | None,
    typer.Option(
        "--backend-config",
        help="Backend config file or key=value, repeatable "
        "(default: terraform/assignment/backend.hcl when present).",
        show_default=False,
    ),
]


def deploy(
    *,
    var_file: VarFile = None,
    backend_config: BackendConfig = None,
    dry_run: DryRun = False,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without Terraform's confirmation.")
    ] = False,
    project_dir: ProjectDir = None,
    profile: Profile = None,
    region: StackRegion = None,
) -> None:
    """Init, create the ECR repository, build and push the arm64 image, apply the stack."""
    from cli import deploy as steps
    from cli.config import AwsTarget, project_root, resolve, terraform_dir
    from cli.tools import Runner

    profile = resolve({"profile": profile}, ()).get("profile")
    root = project_root(project_dir)
    opts = steps.stack_options(
        terraform_dir(project_dir=root),
        var_file=var_file,
        backend_configs=backend_config or [],
        auto_approve=auto_approve,
        profile=profile,
        region=region,
    )
    log = render.StepLog(steps.TOTAL_STEPS, dry_run=dry_run)
    runner = Runner(
        dry_run=dry_run, echo=log.command, env={"AWS_PROFILE": profile} if profile else {}
    )
    for missing in runner.require("terraform", "docker"):
        render.warning(str(missing))
    if not (root / "Dockerfile").is_file():
        raise Failure(f"no Dockerfile in {root}: pass --project-dir with the repository checkout")
    if dry_run:
        render.dry_run_banner()
    result = steps.deploy(
        opts,
        context_dir=root,
        runner=runner,
        log=log,
        aws=AwsTarget(profile=profile, region=region),
        tag=steps.image_tag(root),
    )
    if not dry_run:
        render.deployed(result, profile)


def destroy(
    *,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    delete_data: Annotated[
        bool,
        typer.Option(
            "--delete-data",
            help="Also delete every input, report and image (apply force_destroy=true first).",
        ),
    ] = False,
    var_file: VarFile = None,
    dry_run: DryRun = False,
    project_dir: ProjectDir = None,
    profile: Profile = None,
    region: StackRegion = None,
) -> None:
    """terraform destroy of the stack, after a confirmation prompt."""
    from cli import deploy as steps
    from cli.config import resolve, terraform_dir
    from cli.tools import Runner

    profile = resolve({"profile": profile}, ()).get("profile")
    opts = steps.stack_options(
        terraform_dir(project_dir=project_dir),
        var_file=var_file,
        backend_configs=[],
        auto_approve=True,
        profile=profile,
        region=region,
    )
    log = render.StepLog(3 if delete_data else 2, dry_run=dry_run)
    runner = Runner(
        dry_run=dry_run, echo=log.command, env={"AWS_PROFILE": profile} if profile else {}
    )
    for missing in runner.require("terraform"):
        render.warning(str(missing))
    what = "every resource of the stack in " + str(opts.stack_dir)
    if delete_data:
        what += ", with ALL objects in its buckets and images in its repository"
    if not (yes or dry_run) and not typer.confirm(f"Destroy {what}?", default=False):
        raise Failure("destroy cancelled: nothing was changed")
    steps.destroy(opts, runner=runner, log=log, delete_data=delete_data)
