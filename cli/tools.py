"""Running terraform, docker and git: dry runs, missing tools, failures with their stderr.

Deploy steps must stream the tools' own output (a plan to read, a prompt to
answer) yet still report a failure with the tool's stderr and a hint. So a
streamed command inherits stdin and stdout, and its stderr is copied to ours
as it arrives while the last lines are kept for the failure message. Commands
whose output the CLI reads (``terraform output -json``) are captured instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

STDERR_TAIL_LINES = 25

INSTALL_HINTS: dict[str, str] = {
    "terraform": "install Terraform >= 1.10: https://developer.hashicorp.com/terraform/install",
    "docker": "install Docker with the buildx plugin: https://docs.docker.com/get-docker/",
    "git": "install git: https://git-scm.com/downloads",
}


class ToolMissingError(Exception):
    """A required executable is not on PATH; the message says what to install."""

    def __init__(self, tool: str) -> None:
        hint = INSTALL_HINTS.get(tool, f"install {tool}")
        super().__init__(f"{tool} not found on PATH: {hint}")
        self.tool = tool


class StepFailedError(Exception):
    """A command exited non-zero: what ran, its exit code, its stderr tail, and a hint."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str, hint: str) -> None:
        super().__init__(f"{shlex.join(argv)} exited with {returncode}")
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr
        self.hint = hint


@dataclass(frozen=True)
class Completed:
    """What a command produced (captured output only; streamed output went to the terminal)."""

    returncode: int
    stdout: str = ""
    stderr: str = ""


def display(argv: Sequence[str], stdin_note: str | None = None) -> str:
    """A shell-quoted command line for printing (secrets never appear in argv)."""
    line = shlex.join(argv)
    return f"{line}  <<< {stdin_note}" if stdin_note else line


@dataclass
class Runner:
    """Runs commands, or only prints them when ``dry_run`` is set.

    ``echo`` receives every command line before it runs (or instead of it).
    ``env`` adds variables to the inherited environment (``AWS_PROFILE``).
    """

    dry_run: bool = False
    echo: Callable[[str], None] = field(default=lambda line: None)
    env: Mapping[str, str] = field(default_factory=dict)
    stderr: IO[str] | None = None  # where streamed stderr is copied (default sys.stderr)

    def _environ(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def which(self, tool: str) -> str | None:
        return shutil.which(tool, path=self._environ().get("PATH"))

    def require(self, *tools: str) -> list[ToolMissingError]:
        """Raise ``ToolMissingError`` for the first tool not on PATH.

        In a dry run nothing is raised: the missing tools are returned, to be
        shown as warnings (the commands are only printed).
        """
        missing = [ToolMissingError(tool) for tool in tools if self.which(tool) is None]
        if missing and not self.dry_run:
            raise missing[0]
        return missing

    def run(
        self,
        argv: Sequence[str],
        *,
        capture: bool = False,
        input_text: str | None = None,
        stdin_note: str | None = None,
        hint: str = "",
    ) -> Completed:
        """Run ``argv`` (see the module docstring for capture vs streaming).

        ``input_text`` is written to the command's stdin (``stdin_note`` says
        what it is in the printed line, never its value). In a dry run nothing
        runs and an empty ``Completed`` is returned.
        """
        self.echo(display(argv, stdin_note))
        if self.dry_run:
            return Completed(0)
        exe = self.which(argv[0])
        if exe is None:
            raise ToolMissingError(argv[0])
        command = [exe, *argv[1:]]
        if capture:
            proc = subprocess.run(
                command,
                input=input_text,
                capture_output=True,
                text=True,
                env=self._environ(),
                check=False,
            )
            result = Completed(proc.returncode, proc.stdout, proc.stderr)
        else:
            result = self._stream(command, input_text)
        if result.returncode != 0:
            raise StepFailedError(argv, result.returncode, result.stderr, hint)
        return result

    def _stream(self, command: list[str], input_text: str | None) -> Completed:
        sink = self.stderr or sys.stderr
        tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE if input_text is not None else None,
            stderr=subprocess.PIPE,
            env=self._environ(),
        )

        def copy_stderr(fd: int) -> None:
            partial = ""
            while chunk := os.read(fd, 4096):
                text = chunk.decode("utf-8", errors="replace")
                sink.write(text)
                sink.flush()
                lines = (partial + text).split("\n")
                partial = lines.pop()
                tail.extend(lines)
            if partial:
                tail.append(partial)

        stderr_fd = proc.stderr.fileno() if proc.stderr else -1
        reader = threading.Thread(target=copy_stderr, args=(stderr_fd,), daemon=True)
        reader.start()
        if input_text is not None and proc.stdin is not None:
            proc.stdin.write(input_text.encode())
            proc.stdin.close()
        returncode = proc.wait()
        reader.join()
        if proc.stderr:
            proc.stderr.close()
        return Completed(returncode, stderr="\n".join(tail))
