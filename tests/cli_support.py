"""Helpers for the cloud CLI tests: a moto server, fake terraform/docker/git executables.

The fakes are small Python scripts written to a temporary ``bin`` folder put
first on PATH. Each records its argv (and stdin for ``docker login``) as one
JSON line in ``<state>/calls.jsonl`` and answers like the real tool:

- ``terraform``: ``init``; ``apply -target=module.ecr`` creates the ECR
  repository in moto and records its outputs; a full ``apply`` requires
  ``-var image_uri=...`` and records every output; ``output -json`` prints them
  in Terraform's JSON shape; ``destroy`` forgets them.
- ``docker``: ``buildx build`` and ``login`` succeed; ``push`` puts an image
  manifest into moto's ECR under the pushed tag, so ECR computes a digest.
- ``git``: a fixed commit; a dirty tree when ``<state>/dirty`` exists.

``<state>/fail.json`` maps a substring of the command line to
``[exit code, stderr]`` to make a call fail.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from cli.moto_stack import reset_moto

ACCOUNT = "123456789012"
REGION = "us-west-2"
REPO_NAME = "nmd-assignment-tester"
REPO_URL = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPO_NAME}"
COMMIT = "0123456789ab"

STACK_OUTPUTS = {
    "input_bucket_name": "nmd-assignment-tester-input-123456789012",
    "input_bucket_arn": "arn:aws:s3:::nmd-assignment-tester-input-123456789012",
    "output_bucket_name": "nmd-assignment-tester-output-123456789012",
    "output_bucket_arn": "arn:aws:s3:::nmd-assignment-tester-output-123456789012",
    "queue_url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/nmd-assignment-tester-orders",
    "queue_arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:nmd-assignment-tester-orders",
    "dlq_url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/nmd-assignment-tester-orders-dlq",
    "dlq_arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:nmd-assignment-tester-orders-dlq",
    "function_name": "nmd-assignment-tester-handler",
    "ecr_repository_url": REPO_URL,
    "log_group_name": "/aws/lambda/nmd-assignment-tester-handler",
    "region": REGION,
}

FAKE_TOOL = r"""
import json, os, sys
from pathlib import Path

STATE = Path(os.environ["FAKE_TOOLS_STATE"])
tool = Path(sys.argv[0]).name
argv = sys.argv[1:]
line = " ".join([tool, *argv])
record = {"tool": tool, "argv": argv}
if tool == "docker" and argv[:1] == ["login"]:
    record["stdin"] = sys.stdin.read()
with (STATE / "calls.jsonl").open("a") as fh:
    fh.write(json.dumps(record) + "\n")

fail = json.loads((STATE / "fail.json").read_text()) if (STATE / "fail.json").exists() else {}
for pattern, (code, stderr) in fail.items():
    if pattern in line:
        sys.stderr.write(stderr + "\n")
        sys.exit(code)

outputs_file = STATE / "outputs.json"
outputs = json.loads(outputs_file.read_text()) if outputs_file.exists() else {}
stack = json.loads(os.environ["FAKE_STACK_OUTPUTS"])

def ecr():
    import boto3
    return boto3.client("ecr", region_name=stack["region"])

if tool == "git":
    if "rev-parse" in argv:
        print(os.environ["FAKE_GIT_COMMIT"])
    elif "status" in argv:
        print(" M cli/main.py" if (STATE / "dirty").exists() else "", end="")
    sys.exit(0)

if tool == "terraform":
    args = [a for a in argv if not a.startswith("-chdir=")]
    command = args[0]
    if command == "init":
        print("Terraform has been successfully initialized!")
    elif command == "apply":
        if "-target=module.ecr" in args:
            name = stack["ecr_repository_url"].split("/", 1)[1]
            client = ecr()
            if not client.describe_repositories()["repositories"]:
                client.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
            outputs.update({k: stack[k] for k in ("ecr_repository_url", "region")})
        else:
            image = [a.split("=", 1)[1] for a in args if a.startswith("image_uri=")]
            if not image:
                sys.stderr.write("Error: image_uri is required for a full apply\n")
                sys.exit(1)
            outputs.update(stack)
            outputs["image_uri"] = image[0]
        outputs_file.write_text(json.dumps(outputs))
        print("Apply complete!")
    elif command == "output":
        shaped = {k: {"sensitive": False, "type": "string", "value": v} for k, v in outputs.items()}
        print(json.dumps(shaped))
    elif command == "destroy":
        outputs_file.unlink(missing_ok=True)
        print("Destroy complete!")
    sys.exit(0)

if tool == "docker":
    if argv[:2] == ["buildx", "build"]:
        sys.stderr.write("#1 [internal] load build definition from Dockerfile\n")
    elif argv[:1] == ["login"]:
        print("Login Succeeded")
    elif argv[:1] == ["push"]:
        import hashlib
        repo, tag = argv[1].rsplit(":", 1)
        layer = "sha256:" + hashlib.sha256(tag.encode()).hexdigest()
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": 1000, "digest": layer},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": 2000, "digest": layer}],
        }
        image = ecr().put_image(repositoryName=repo.split("/", 1)[1],
                                imageManifest=json.dumps(manifest), imageTag=tag)["image"]
        print(f"{tag}: digest: {image['imageId']['imageDigest']} size: 1234")
    sys.exit(0)
"""


def install_fake_tools(
    bin_dir: Path, state_dir: Path, tools: tuple[str, ...] = ("terraform", "docker", "git")
) -> dict[str, str]:
    """Write the fakes; return the environment variables they need."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        path = bin_dir / tool
        path.write_text(f"#!{sys.executable}\n{FAKE_TOOL}")
        path.chmod(0o755)
    return {
        "FAKE_TOOLS_STATE": str(state_dir),
        "FAKE_STACK_OUTPUTS": json.dumps(STACK_OUTPUTS),
        "FAKE_GIT_COMMIT": COMMIT,
    }


def read_calls(state_dir: Path) -> list[dict[str, Any]]:
    path = state_dir / "calls.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fail_when(state_dir: Path, pattern: str, code: int, stderr: str) -> None:
    """Make the fake call whose command line contains ``pattern`` exit ``code``."""
    (state_dir / "fail.json").write_text(json.dumps({pattern: [code, stderr]}))


def start_moto() -> tuple[Any, str]:
    """A ThreadedMotoServer on a free port and its endpoint."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


__all__ = ["reset_moto", "start_moto"]
