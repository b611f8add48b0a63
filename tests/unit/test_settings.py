"""Settings read from the environment: list and URL settings, the address people use."""

from __future__ import annotations

import pytest

from mission_control.settings import SettingsError, check_http_url, load_settings


def test_the_base_url_brackets_an_ipv6_host() -> None:
    assert load_settings(host="::1", port=3333).base_url == "http://[::1]:3333"
    assert load_settings(host="127.0.0.1", port=3333).base_url == "http://127.0.0.1:3333"


@pytest.mark.parametrize("value", ["trivial,docs", '["trivial", "docs"]', " trivial , docs "])
def test_a_list_setting_is_words_or_a_json_list(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("MC_AUTO_TAGS", value)
    assert load_settings().auto_tags == ["trivial", "docs"]


@pytest.mark.parametrize("value", ["not a url", "ftp://x", "http://[::1", "http://h:port", "//h"])
def test_a_url_without_http_and_a_host_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        check_http_url(value)


def test_a_json_setting_that_does_not_parse_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MC_SKILL_KEYWORDS", "{nope")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith("invalid settings: MC_SKILL_KEYWORDS is not valid JSON")
    assert "\n" not in str(refused.value)
