"""OpenClaw's heartbeat: the shell commands of integrations/openclaw/HEARTBEAT.md, run as the
agent would run them, against a real server; and the one-command agent registration."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from gql import Client

from tests.support.cli import mc
from tests.support.factories import make_agent, make_task
from tests.support.graphql import run
from tests.support.runners import MISSION_CONTROL, clean_environment
from tests.support.server import ServerProcess

OPENCLAW = Path(__file__).resolve().parents[2] / "integrations" / "openclaw"


def heartbeat_commands() -> list[str]:
    """The fenced shell blocks of HEARTBEAT.md, in order: the check, then the start report."""
    text = (OPENCLAW / "HEARTBEAT.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [re.sub(r"^\s+", "", block, flags=re.MULTILINE) for block in blocks]


def run_block(server: ServerProcess, block: str, token: str, **env: str) -> str:
    """One block in bash with the agent's environment and `mission-control` on the PATH."""
    environment = clean_environment()
    environment.update(MC_SERVER_URL=server.url, MC_TOKEN=token, **env)
    environment["PATH"] = f"{Path(MISSION_CONTROL).parent}:{environment['PATH']}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    assert done.returncode == 0, f"{block}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stdout


async def test_heartbeat_answers_ok_with_nothing_fitting_and_claims_and_reports_a_fitting_task(
    server: ServerProcess, operator: Client
) -> None:
    check, report = heartbeat_commands()
    token = await make_agent(operator, "dev", ["python"])

    assert run_block(server, check, token, MC_AGENT="dev") == "HEARTBEAT_OK\n"
    other = await make_task(operator, "Draw the logo", tags=["design"])
    assert run_block(server, check, token, MC_AGENT="dev") == "HEARTBEAT_OK\n"

    task = await make_task(operator, "Fix the parser", tags=["python"])
    answer = run_block(server, check, token, MC_AGENT="dev")
    assert answer == f"Started work on task #{task['id']}: Fix the parser\n"
    number = re.match(r"Started work on task #(\d+)", answer)
    assert number is not None
    run_block(server, report, token, N=number.group(1), PLAN="read the lexer, then fix tabs")

    query = (
        "query($id: Int!) { task(id: $id) { status assignee progress } "
        "taskHistory(taskId: $id) { kind payload } }"
    )
    data = await run(operator, query, {"id": task["id"]})
    assert data["task"] == {"status": "IN_PROGRESS", "assignee": "dev", "progress": 5}
    assert data["taskHistory"][-1]["payload"]["note"] == "started: read the lexer, then fix tabs"
    untouched = await run(operator, "query($id: Int!) { task(id: $id) { status } }", other)
    assert untouched["task"]["status"] == "READY"
    again = run_block(server, check, token, MC_AGENT="dev")
    assert again == f"Continue task #{task['id']}: Fix the parser\n"


async def test_next_json_carries_the_task_and_refuses_another_agents_name(
    server: ServerProcess, operator: Client
) -> None:
    token = await make_agent(operator, "dev", ["python"])
    await run(operator, 'mutation { pauseAgent(name: "dev") { paused } }')
    await make_task(operator, "Fix the parser", "tabs", tags=["python"])
    paused = json.loads(mc(server, "next", "--agent", "dev", "--json", token=token).stdout)
    assert paused["heartbeat"] == "HEARTBEAT_OK"
    assert paused["reason"] == "Agent dev is paused by the operator."
    await run(operator, 'mutation { resumeAgent(name: "dev") { paused } }')

    refused = mc(server, "next", "--agent", "main", token=token, expect=2)
    assert "belongs to agent dev, not main" in refused.stderr
    claimed = json.loads(mc(server, "next", "--agent", "dev", "--json", token=token).stdout)
    assert claimed["outcome"] == "CLAIMED"
    assert claimed["task"]["description"] == "tabs"
    assert claimed["task"]["tags"] == ["python"]


async def test_operator_registers_openclaws_agents_with_skills_in_one_command(
    server: ServerProcess, operator: Client, tmp_path: Path
) -> None:
    roster = {"agents": {"list": [{"id": "main", "skills": ["docs"]}, {"id": "ops"}]}}
    (tmp_path / "agents.json").write_text(json.dumps(roster))
    mc(server, "agent", "import", str(OPENCLAW / "agents.example.json"))
    registered = json.loads(
        mc(server, "--json", "agent", "import", str(tmp_path / "agents.json"), expect=1).stdout
    )
    assert [row["name"] for row in registered] == ["main", "ops"]
    assert "refused" in registered[0]  # main came in with the example list already
    assert registered[1]["token"].startswith("mca_")
    agents = await run(operator, "{ agents { name skills } }")
    assert {a["name"]: sorted(a["skills"]) for a in agents["agents"]} == {
        "main": ["docs", "planning"],
        "dev": ["git", "python"],
        "research": ["research", "writing"],
        "ops": [],
    }
