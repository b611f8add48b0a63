"""Board sessions: in the database (restarts and other processes keep them), a new id at each
login, Secure cookies when asked, revocation logs out, one-time login codes, quiet access log."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from gql import Client

from tests.support.graphql import run
from tests.support.server import ServerProcess


def log_in(base: str, query: str) -> httpx.Response:
    return httpx.get(f"{base}/login?{query}", follow_redirects=False, timeout=10)


def board(base: str, session: str) -> httpx.Response:
    return httpx.get(
        f"{base}/", cookies={"mc_session": session}, follow_redirects=False, timeout=10
    )


async def test_a_session_survives_a_restart_and_is_new_at_each_login(
    tmp_path: Path, sqlite_url: str
) -> None:
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url) as first:
        answer = log_in(first.url, f"token={first.operator_token}")
        again = log_in(first.url, f"token={first.operator_token}")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    session = answer.cookies["mc_session"]
    assert again.cookies["mc_session"] != session  # fixation: a fresh id at every login

    # Another process (a restart here) on the same database knows the session.
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url) as second:
        assert board(second.url, session).status_code == 200
        assert board(second.url, "forged-session-id").status_code == 303


async def test_secure_cookies_are_set_when_configured(tmp_path: Path, sqlite_url: str) -> None:
    env = {"MC_SECURE_COOKIES": "true"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as server:
        answer = log_in(server.url, f"token={server.operator_token}")
    assert "Secure" in answer.headers["set-cookie"]


async def test_revoking_a_token_logs_its_board_sessions_out(
    server: ServerProcess, operator: Client
) -> None:
    issued = (
        await run(
            operator, 'mutation { issueToken(name: "sam", role: VIEWER) { token info { id } } }'
        )
    )["issueToken"]
    session = log_in(server.url, f"token={issued['token']}").cookies["mc_session"]
    assert board(server.url, session).status_code == 200
    await run(
        operator,
        "mutation($id: Int!) { revokeToken(id: $id) { id } }",
        {"id": issued["info"]["id"]},
    )
    assert board(server.url, session).status_code == 303  # back to /login


async def test_the_printed_login_link_carries_a_one_time_code_and_no_secret_is_logged(
    tmp_path: Path, sqlite_url: str
) -> None:
    env = {"MC_OPERATOR_TOKEN": "", "MC_LOG_LEVEL": "info"}
    with ServerProcess(workdir=tmp_path, database_url=sqlite_url, env=env) as server:
        printed = server.wait_for_log(r"/login\?code=\S+")
        (token,) = re.findall(r"Operator token \(shown once, keep it\): (\S+)", printed)
        (code,) = re.findall(r"/login\?code=(\S+)", printed)
        assert f"token={token}" not in printed
        first = log_in(server.url, f"code={code}")
        second = log_in(server.url, f"code={code}")
        scripted = log_in(server.url, f"token={token}")
    assert first.status_code == 303 and "mc_session" in first.cookies
    assert second.status_code == 200 and "mc_session" not in second.cookies  # used up
    assert scripted.status_code == 303
    logged = "\n".join(line for line in server.log_path.read_text().splitlines() if '"GET ' in line)
    assert "GET /login?code=***" in logged and "GET /login?token=***" in logged
    assert token not in logged and code not in logged
