"""`agent run --worktree REPO`: each task in its own git worktree and branch, with a real
repository, two runner processes in parallel, and a fake coding agent that edits and commits."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from gql import Client

from tests.support.factories import make_agent, make_task
from tests.support.graphql import run
from tests.support.runners import (
    MISSION_CONTROL,
    RunnerProcess,
    clean_environment,
    wait_for_events,
)
from tests.support.server import ServerProcess

AGENT = Path(__file__).resolve().parents[1] / "support" / "coding_agent.py"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def make_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "dev@example.test")
    git(path, "config", "user.name", "Dev")
    (path / "README.md").write_text("a project\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "start")
    return path


def start_coder(
    server: ServerProcess, name: str, token: str, repo: Path, *agent_args: str, keep: bool = False
) -> RunnerProcess:
    command = f"{sys.executable} {AGENT} {' '.join(agent_args)}"
    options = ["--name", name, "--token", token, "--server", server.url, "--command", command]
    options += ["--worktree", str(repo), "--interval", "0.5"]
    if keep:
        options.append("--keep-worktree")
    log_path = server.workdir / f"runner-{name}.log"
    process = subprocess.Popen(
        [MISSION_CONTROL, "agent", "run", *options],
        env=clean_environment(),
        stdout=log_path.open("ab"),
        stderr=subprocess.STDOUT,
    )
    return RunnerProcess(name, process, log_path)


async def await_submitted(
    server: ServerProcess, ids: set[int], runners: list[RunnerProcess]
) -> None:
    """Every task in `ids` reached review (the runners' logs tell why when they do not)."""
    done = lambda seen: ids <= {e["taskId"] for e in seen if e["kind"] == "SUBMITTED"}  # noqa: E731
    try:
        await asyncio.wait_for(wait_for_events(server, done), 90)
    except TimeoutError:
        raise AssertionError("\n".join(runner.log() for runner in runners)) from None


async def results(operator: Client, ids: set[int]) -> dict[int, str]:
    query = "query($id: Int!) { task(id: $id) { id status result } }"
    found = {}
    for task_id in ids:
        task = (await run(operator, query, {"id": task_id}))["task"]
        assert task["status"] == "REVIEW"
        found[task_id] = task["result"]
    return found


async def test_two_runners_work_two_tasks_in_parallel_each_in_its_own_worktree_and_branch(
    server: ServerProcess, operator: Client, tmp_path: Path, runners: list[RunnerProcess]
) -> None:
    repo = make_repo(tmp_path / "project")
    first = await make_task(operator, "Fix the parser: tabs!", tags=["python"])
    second = await make_task(operator, "Write the docs", tags=["python"])
    ids = {first["id"], second["id"]}
    rendezvous = tmp_path / "working"
    assign = "mutation($id: Int!, $agent: String) { assignTask(id: $id, agent: $agent) { id } }"
    for name, task in (("ada", first), ("bob", second)):
        token = await make_agent(operator, name, ["python"])
        await run(operator, assign, {"id": task["id"], "agent": name})  # one task each
        runners.append(start_coder(server, name, token, repo, str(rendezvous), "2"))

    await await_submitted(server, ids, runners)

    branches = {
        first["id"]: f"mc/{first['id']}-fix-the-parser-tabs",
        second["id"]: f"mc/{second['id']}-write-the-docs",
    }
    base = git(repo, "rev-parse", "main").strip()
    for task_id, result in (await results(operator, ids)).items():
        branch = branches[task_id]
        head = git(repo, "rev-parse", branch).strip()
        assert result.startswith(f"branch: {branch}\ncommits: {base[:12]}..{head[:12]} (1 commit")
        assert f"task-{task_id}.txt | 2 ++" in result
        assert "1 file changed, 2 insertions(+)" in result
        assert f"done on {branch}" in result
        assert git(repo, "show", f"{branch}:task-{task_id}.txt").endswith(f"on {branch}\n")
    worked_in = {Path(p.read_text()) for p in rendezvous.iterdir()}
    assert len(worked_in) == 2 and repo not in worked_in
    assert not any(path.exists() for path in worked_in)
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert git(repo, "status", "--porcelain") == ""  # the main checkout was never touched


async def test_kept_worktree_and_work_left_uncommitted_is_committed_on_the_branch(
    server: ServerProcess, operator: Client, tmp_path: Path, runners: list[RunnerProcess]
) -> None:
    repo = make_repo(tmp_path / "project")
    task = await make_task(operator, "Rename things", tags=["python"])
    token = await make_agent(operator, "ada", ["python"])
    runners.append(
        start_coder(server, "ada", token, repo, str(tmp_path / "w"), "1", "--no-commit", keep=True)
    )

    await await_submitted(server, {task["id"]}, runners)

    (result,) = (await results(operator, {task["id"]})).values()
    branch = f"mc/{task['id']}-rename-things"
    assert result.startswith(f"branch: {branch}\n")
    assert "(1 commit(s))" in result
    assert "left uncommitted" in git(repo, "log", "-1", "--format=%B", branch)
    kept = repo.parent / "project.worktrees" / branch.removeprefix("mc/")
    assert (kept / f"task-{task['id']}.txt").exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 2
