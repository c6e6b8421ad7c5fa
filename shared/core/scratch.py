"""Temporary folders that a killed run does not leave behind for long.

A run writes its outputs into a temporary folder first and moves them out only
when it succeeds. A run killed on the spot (a timeout, out of memory,
``kill -9``) cannot remove that folder, so each folder's name carries its
owner's process id (``<prefix><pid>-<random>``) and ``remove_stale``, called at
the start of the next run, deletes the folders whose owner is gone. Folders of
live processes (another ``orders run-local``, a parallel test) are left alone.
A pid that was reused by an unrelated process keeps its folder until that
process ends too; one reused by this very process (a Lambda runtime restarted
in the same sandbox) is recognised, since this process knows its own folders.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_OWN: set[Path] = set()  # folders of this process still in use


@contextmanager
def folder(prefix: str, base: Path | None = None) -> Iterator[Path]:
    """A new folder ``<prefix><pid>-<random>`` in ``base`` (default: the system's temporary
    folder), removed with everything in it when the block ends."""
    with tempfile.TemporaryDirectory(dir=base, prefix=f"{prefix}{os.getpid()}-") as tmp:
        path = Path(tmp)
        _OWN.add(path)
        try:
            yield path
        finally:
            _OWN.discard(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def remove_stale(prefix: str, base: Path | None = None) -> list[Path]:
    """Delete the folders ``folder(prefix, base)`` made for processes that are gone."""
    base = base or Path(tempfile.gettempdir())
    removed = []
    for path in base.glob(f"{prefix}*"):
        owner = path.name[len(prefix) :].split("-", 1)[0]
        if not owner.isdigit() or not path.is_dir() or path in _OWN:
            continue
        pid = int(owner)
        if pid != os.getpid() and _alive(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
