"""The seed's assignTaskToAgent as pure functions: skills from tags and keywords, then score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mission_control.domain.agents import AgentStatus
from mission_control.domain.presence import effective_status
from mission_control.domain.routing import (
    Candidate,
    best_agent,
    fits,
    load_percent,
    required_skills,
    score,
    skill_match_score,
)


def agent(name: str, skills: set[str], load: int = 0, available: bool = True) -> Candidate:
    return Candidate(name, frozenset(skills), load, available)


def test_skill_tags_are_required_but_control_and_namespaced_tags_are_not() -> None:
    needs = required_skills(["python", "trivial", "p:ops"], "", {}, control_tags={"trivial"})
    assert needs == {"python"}


def test_keywords_in_title_or_description_add_their_skill_as_whole_words() -> None:
    keywords = {"postgres": "sql", "css": "frontend"}
    assert required_skills([], "Tune the Postgres index", keywords) == {"sql"}
    assert required_skills([], "Rewrite cssom parser", keywords) == frozenset()


def test_an_agent_fits_only_with_every_required_skill() -> None:
    assert fits({"python", "sql"}, {"python"})
    assert not fits({"python"}, {"python", "sql"})
    assert fits(set(), set())


def test_score_is_skill_match_minus_load_over_100() -> None:
    assert skill_match_score({"python"}, {"python", "sql"}) == 0.5
    assert skill_match_score({"python"}, set()) == 1.0
    assert score(agent("a", {"python"}, load=30), {"python"}) == 1.0 - 0.3


def test_the_least_loaded_fitting_agent_wins() -> None:
    pool = [agent("busy", {"python"}, load=50), agent("free", {"python"}, load=0)]
    assert best_agent({"python"}, pool) == "free"


def test_agents_without_the_skill_are_never_chosen() -> None:
    pool = [agent("ops", {"bash"}), agent("dev", {"python"}, load=70)]
    assert best_agent({"python"}, pool) == "dev"
    assert best_agent({"rust"}, pool) is None


def test_agents_at_or_over_the_load_limit_or_unavailable_are_skipped() -> None:
    pool = [agent("full", {"python"}, load=80), agent("paused", {"python"}, available=False)]
    assert best_agent({"python"}, pool, max_load=80) is None
    assert best_agent({"python"}, pool, max_load=90) == "full"


def test_ties_go_to_the_alphabetically_first_agent() -> None:
    assert best_agent(set(), [agent("zed", set()), agent("amy", set())]) == "amy"


def test_load_is_the_share_of_the_wip_limit_taken() -> None:
    assert load_percent(1, 1) == 100
    assert load_percent(1, 4) == 25
    assert load_percent(0, 3) == 0


def test_a_silent_agent_shows_offline_even_while_holding_a_task() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    shown = effective_status(
        AgentStatus.WORKING,
        holding=True,
        waiting=False,
        last_seen=now - timedelta(seconds=61),
        now=now,
        offline_after_seconds=60,
    )
    assert shown is AgentStatus.OFFLINE


def test_a_recent_agent_shows_working_waiting_or_what_it_said() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    recent = {"last_seen": now, "now": now, "offline_after_seconds": 60}
    assert effective_status(AgentStatus.IDLE, holding=True, waiting=False, **recent) == "working"
    assert effective_status(AgentStatus.IDLE, holding=False, waiting=True, **recent) == "waiting"
    assert effective_status(AgentStatus.BLOCKED, holding=False, waiting=False, **recent) == (
        "blocked"
    )
    assert effective_status(AgentStatus.WORKING, holding=False, waiting=False, **recent) == "idle"


def test_events_about_an_agents_work_become_the_seeds_activity_messages() -> None:
    from mission_control.domain.activity import ActivityType, activity_of
    from mission_control.domain.events import EventKind, EventRecord

    now = datetime(2026, 1, 1, tzinfo=UTC)
    payload = {"progress": 40}
    progress = EventRecord(7, EventKind.PROGRESS, "agent:dev", now, 3, "dev", payload=payload)
    shown = activity_of(progress)
    assert shown is not None
    assert (shown.type, shown.agent, shown.task_id, shown.progress) == (
        ActivityType.TASK_PROGRESS,
        "dev",
        3,
        40,
    )
    assert activity_of(EventRecord(8, EventKind.CREATED, "operator", now, 3)) is None
    assert activity_of(EventRecord(9, EventKind.BLOCKED, "operator", now, 4)) is None  # no agent


def test_a_heartbeat_activity_names_the_task_the_agent_holds() -> None:
    from mission_control.domain.activity import ActivityType, activity_of
    from mission_control.domain.events import EventKind, EventRecord

    now = datetime(2026, 1, 1, tzinfo=UTC)
    payload = {"holding": 9}
    beat = EventRecord(5, EventKind.HEARTBEAT, "agent:dev", now, None, "dev", payload=payload)
    shown = activity_of(beat)
    assert shown is not None and (shown.type, shown.task_id) == (ActivityType.HEARTBEAT, 9)
