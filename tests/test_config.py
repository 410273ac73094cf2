"""Settings: defaults that work on a fresh clone, and one clear sentence for each wrong value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import DEFAULT_KNOWLEDGE, Settings
from bot.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WAYPOINT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


def test_defaults_work_on_a_fresh_clone() -> None:
    settings = Settings.from_env()
    assert settings.knowledge == [DEFAULT_KNOWLEDGE]
    assert settings.data_dir == Path("data")
    assert settings.discord_token is None
    assert (settings.model_path / "config.json").is_file()
    assert settings.database_path.parent == settings.data_dir


def test_environment_overrides_and_path_lists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.setenv("WAYPOINT_KNOWLEDGE", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    monkeypatch.setenv("WAYPOINT_SHARD_COUNT", "4")
    monkeypatch.setenv("WAYPOINT_SHARD_IDS", "0, 2")
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token")
    settings = Settings.from_env()
    assert settings.knowledge == [tmp_path / "a", tmp_path / "b"]
    assert settings.shard_ids == [0, 2]
    assert settings.discord_token is not None
    assert "secret-token" not in repr(settings)


def test_toml_file_fills_what_the_environment_leaves_unset(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "waypoint.toml"
    config.write_text('moderator_role = "Mentors"\ntop_k = 5\n', encoding="utf-8")
    monkeypatch.setenv("WAYPOINT_TOP_K", "2")
    settings = Settings.from_env(config_file=config)
    assert settings.moderator_role == "Mentors"
    assert settings.top_k == 2


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WAYPOINT_DEFAULT_TIMEZONE": "Mars/Olympus"}, "WAYPOINT_DEFAULT_TIMEZONE"),
        # A tz database alias a learner could not choose either: refused up front.
        ({"WAYPOINT_DEFAULT_TIMEZONE": "EST"}, "WAYPOINT_DEFAULT_TIMEZONE"),
        ({"WAYPOINT_KNOWLEDGE": "/no/such/folder"}, "is not a readable directory"),
        ({"WAYPOINT_MODEL": "/no/such/model"}, "not downloaded at run time"),
        ({"WAYPOINT_SHARD_COUNT": "2", "WAYPOINT_SHARD_IDS": "0,3"}, "outside 0..1"),
        ({"WAYPOINT_SHARD_COUNT": "2", "WAYPOINT_SHARD_IDS": "one"}, "comma-separated"),
        ({"WAYPOINT_SHARD_IDS": "0"}, "needs WAYPOINT_SHARD_COUNT"),
        ({"WAYPOINT_TOP_K": "many"}, "WAYPOINT_TOP_K"),
    ],
)
def test_a_wrong_setting_is_one_clear_sentence(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        Settings.from_env()
    message = caught.value.user_message
    assert expected in message
    assert "\n" not in message


def test_unreadable_or_invalid_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        Settings.from_env(config_file=tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("top_k = = 3", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.from_env(config_file=bad)


def test_flags_win_over_the_environment_which_wins_over_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "waypoint.toml"
    config.write_text(
        'discord_token = "from-file"\ndata_dir = "file-data"\ntop_k = 4\n'
        'default_timezone = "europe/paris"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("WAYPOINT_DATA_DIR", "env-data")
    monkeypatch.setenv("WAYPOINT_TOP_K", "2")
    monkeypatch.setenv("WAYPOINT_CONFIG", str(config))
    settings = Settings.from_env(data_dir=Path("flag-data"))
    assert settings.data_dir == Path("flag-data")
    assert settings.top_k == 2
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.default_timezone == "Europe/Paris"  # derived once, canonical


def test_a_binary_or_folder_config_file_is_one_sentence(tmp_path: Path) -> None:
    binary = tmp_path / "waypoint.toml"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ConfigError, match="not valid TOML: it is not UTF-8 text"):
        Settings.from_env(config_file=binary)
    with pytest.raises(ConfigError, match="cannot read config file"):
        Settings.from_env(config_file=tmp_path)
