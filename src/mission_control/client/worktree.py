"""A git worktree per task: the coding agent's command runs on its own branch, in its own folder.

`agent run --worktree REPO` wraps each task in `task_workspace(...)`: before the command, a
worktree of REPO on branch `mc/<id>-<slug>` (new from REPO's HEAD, or the existing branch when
the task comes back after a review); after it, the worktree is removed (the branch stays, it
carries the work) unless `keep` is set. Work the command left uncommitted is committed, so
nothing is lost with the folder. On success the result starts with the branch, the commit range
and `git diff --stat`, for the operator's review.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("mission_control.runner")

SLUG_MAX = 40
LOCK_RETRIES = 5
# Used only when the repository has no identity configured, for the runner's own commit.
FALLBACK_IDENTITY = ("-c", "user.name=Mission Control runner", "-c", "user.email=runner@localhost")


class GitFailed(Exception):
    """A git command failed; the message has its command line and stderr."""


def slug(title: str) -> str:
    """`Fix the parser: tabs!` -> `fix-the-parser-tabs`, ASCII, at most SLUG_MAX characters."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text[:SLUG_MAX].rstrip("-") or "task"


def branch_name(task_id: int, title: str) -> str:
    return f"mc/{task_id}-{slug(title)}"


async def git(repo: Path, *args: str, check: bool = True) -> str:
    """Run `git -C repo ARGS`; its stdout, or GitFailed (with a retry when a lock is busy)."""
    for attempt in range(LOCK_RETRIES):
        process = await asyncio.create_subprocess_exec(
            "git",
            "-C",
            str(repo),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode == 0 or not check:
            return out.decode(errors="replace")
        message = err.decode(errors="replace").strip()
        # Two runners adding worktrees at once can meet on one of git's lock files.
        if ".lock" not in message or attempt == LOCK_RETRIES - 1:
            raise GitFailed(f"git {' '.join(args)}: {message}")
        await asyncio.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Workspace:
    """Where one task's command runs; `path` None means the runner's own directory."""

    path: Path | None = None
    repo: Path | None = None
    branch: str | None = None
    base: str | None = None

    async def summary(self, task_title: str) -> str:
        """Commit what the command left uncommitted; then branch, commit range and diff stat."""
        if self.path is None or self.repo is None or self.base is None:
            return ""
        if (await git(self.path, "status", "--porcelain")).strip():
            await git(self.path, "add", "-A")
            identity = await git(self.path, "config", "user.email", check=False)
            await git(
                self.path,
                *(() if identity.strip() else FALLBACK_IDENTITY),
                "commit",
                "-q",
                "-m",
                f"{task_title}\n\nCommitted by the Mission Control runner: left uncommitted.",
            )
        head = (await git(self.path, "rev-parse", "HEAD")).strip()
        commits = (await git(self.path, "rev-list", "--count", f"{self.base}..{head}")).strip()
        stat = (await git(self.path, "diff", "--stat", self.base, head)).rstrip()
        return (
            f"branch: {self.branch}\n"
            f"commits: {self.base[:12]}..{head[:12]} ({commits} commit(s))\n"
            f"{stat or '(no changes)'}"
        )


NO_WORKSPACE = Workspace()


async def _branch_exists(repo: Path, branch: str) -> bool:
    found = await git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    return bool(found.strip())


@contextlib.asynccontextmanager
async def task_workspace(
    repo: Path | None, task_id: int, title: str, *, keep: bool = False
) -> AsyncIterator[Workspace]:
    """A worktree of `repo` for this task for the duration of the block (nothing without repo)."""
    if repo is None:
        yield NO_WORKSPACE
        return
    repo = Path((await git(repo, "rev-parse", "--show-toplevel")).strip())
    branch = branch_name(task_id, title)
    path = repo.parent / f"{repo.name}.worktrees" / branch.removeprefix("mc/")
    head = (await git(repo, "rev-parse", "HEAD")).strip()
    if await _branch_exists(repo, branch):  # the task came back (rejected, released): go on
        base = (await git(repo, "merge-base", head, branch)).strip()
        await git(repo, "worktree", "add", "--force", str(path), branch)
    else:
        base = head
        await git(repo, "worktree", "add", "-b", branch, str(path), head)
    log.info("task #%s: worktree %s on branch %s", task_id, path, branch)
    try:
        yield Workspace(path=path, repo=repo, branch=branch, base=base)
    finally:
        if keep:
            log.info("task #%s: keeping worktree %s", task_id, path)
        else:
            await git(repo, "worktree", "remove", "--force", str(path), check=False)
            await git(repo, "worktree", "prune", check=False)
