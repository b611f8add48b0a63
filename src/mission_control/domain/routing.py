"""Who should pick a task up: the seed's `assignTaskToAgent`, as pure functions.

Required skills come from the task's tags (minus control tags such as `trivial` and
namespaced tags such as `p:ops`) plus a keyword map over its title and description.
An agent fits a task when it has every required skill; among the agents that fit, are
available and are under the load limit, the best has the highest skill match − load/100.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Candidate:
    """What routing knows about one agent."""

    name: str
    skills: frozenset[str]
    load: int  # percent of its WIP limit already taken (held, reserved or assigned tasks)
    available: bool  # not paused, not offline, not under the token budget floor


def required_skills(
    tags: Iterable[str],
    text: str,
    keywords: Mapping[str, str],
    control_tags: Collection[str] = (),
) -> frozenset[str]:
    """The skills a task needs: its skill tags, and a skill for each keyword in its text."""
    needed = {tag for tag in tags if tag not in control_tags and ":" not in tag}
    lowered = text.lower()
    for keyword, skill in keywords.items():
        word = keyword.strip().lower()
        if word and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", lowered):
            needed.add(skill.strip().lower())
    return frozenset(needed)


def fits(skills: Collection[str], required: Collection[str]) -> bool:
    """An agent may take a task only when it has every skill the task needs."""
    return set(required) <= set(skills)


def skill_match_score(skills: Collection[str], required: Collection[str]) -> float:
    """The share of the required skills the agent has; 1 when nothing special is needed."""
    if not required:
        return 1.0
    return len(set(required) & set(skills)) / len(required)


def score(candidate: Candidate, required: Collection[str]) -> float:
    """The seed's ranking: skill match minus load/100."""
    return skill_match_score(candidate.skills, required) - candidate.load / 100


def best_agent(
    required: Collection[str], candidates: Iterable[Candidate], max_load: int = 80
) -> str | None:
    """The agent a task goes to, or None when no available agent with its skills has room.

    Ties go to the alphabetically first name so the choice is reproducible.
    """
    eligible = [
        c for c in candidates if c.available and c.load < max_load and fits(c.skills, required)
    ]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (-score(c, required), c.name)).name


def load_percent(taken: int, wip_limit: int) -> int:
    """How full an agent is: tasks it holds, has reserved or is assigned, over its WIP limit."""
    return round(100 * taken / max(wip_limit, 1))
