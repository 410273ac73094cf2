"""Hostile and unlucky input to the terminal: one clear sentence, the right exit code, nothing
written that should not be, and no traceback (issue 17, "Input")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.cli import main
from tests.study.test_cli import ROADMAP

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data directory with a plan, and the one-path knowledge folder it was made from."""
    root = tmp_path_factory.mktemp("cli-input")
    knowledge = root / "knowledge"
    (knowledge / "paths").mkdir(parents=True)
    (knowledge / "paths" / "tiny.yaml").write_text(ROADMAP, encoding="utf-8")
    data = root / "data"
    assert main([*_base(data, knowledge), "plan", "new", "tiny-path", "--hours", "5"]) == 0
    return data, knowledge


def _base(data: Path, knowledge: Path) -> list[str]:
    return ["--data-dir", str(data), "--knowledge", str(knowledge), "--log-level", "WARNING"]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse refusing an argument: usage and one error line
        status = int(exc.code or 0)
    out = capsys.readouterr()
    return status, out.out, out.err


def _one_sentence(err: str) -> None:
    assert "Traceback" not in err
    assert "unexpected error" not in err
    lines = err.strip().splitlines()
    # Ours: "waypoint: <sentence>"; argparse's: usage line(s) then "waypoint ...: error: ...".
    assert lines[-1].startswith("waypoint"), err


NUMBERS = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e400", "²", "٣", "0x10", " 7 ", "", "9" * 4400]),
    st.text(max_size=12),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scope=NUMBERS, learner=NUMBERS)
def test_any_scope_or_learner_is_refused_or_used(
    home: tuple[Path, Path], capsys: pytest.CaptureFixture[str], scope: str, learner: str
) -> None:
    argv = [*_base(*home), "progress", f"--scope={scope}", f"--learner={learner}"]
    status, _, err = _run(capsys, argv)
    assert status in (0, 2), err
    if status:
        _one_sentence(err)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(minutes=NUMBERS, hours=NUMBERS)
@example(minutes="-", hours="1")  # "-h" read as the help flag before "--" was passed
def test_any_minutes_or_hours_are_refused_with_one_sentence(
    home: tuple[Path, Path], capsys: pytest.CaptureFixture[str], minutes: str, hours: str
) -> None:
    # A learner of their own (scope 7) so these never log time on the shared plan.
    who = ["--scope", "7"]
    # After "--" every word is an argument: "-" + "h" would otherwise ask for the help (exit 0).
    argv = [*_base(*home), "checkin", *who, "--", f"{minutes}h", "basics"]
    status, _, err = _run(capsys, argv)
    assert status == 2, err  # no plan in scope 7: refused, whatever the minutes
    _one_sentence(err)
    argv = [*_base(*home), "plan", "replan", f"--hours={hours}", "--scope", "8"]
    status, _, err = _run(capsys, argv)
    assert status == 2, err
    _one_sentence(err)


def test_huge_and_odd_minutes_are_one_sentence(
    home: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    for minutes in ("9" * 4400, "²", "1" + "0" * 400 + "h", "1.5e400h"):
        status, out, err = _run(capsys, [*_base(*home), "checkin", minutes, "basics"])
        assert status == 2, (minutes, err)
        _one_sentence(err)
        assert "Logged" not in out


def test_data_dir_that_is_a_file_or_under_one(
    home: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder", encoding="utf-8")
    for data in (afile, afile / "below"):
        status, _, err = _run(capsys, [*_base(data, home[1]), "progress"])
        assert status == 2
        _one_sentence(err)
        assert "invalid setting WAYPOINT_DATA_DIR" in err
    assert afile.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("verb", ["mydata-export", "plan-export", "progress-png"])
def test_output_that_cannot_be_written(
    home: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    argv = {
        "mydata-export": ["mydata", "export", "-o"],
        "plan-export": ["plan", "export", "-o"],
        "progress-png": ["progress", "--png"],
    }[verb]
    targets = [tmp_path / "missing" / "out.bin", tmp_path]
    if Path("/dev/full").exists():
        targets.append(Path("/dev/full"))
    for target in targets:
        status, _, err = _run(capsys, [*_base(*home), *argv, str(target)])
        assert status == 2, (target, err)
        _one_sentence(err)
        assert f"cannot write {target}" in err
        assert "nothing was saved" in err
    assert not (tmp_path / "missing").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary file left behind


def test_undecodable_bytes_in_a_question_or_note(
    home: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # What Python makes of bytes the terminal cannot decode: lone surrogates.
    note = b"caf\xe9 notes".decode("utf-8", "surrogateescape")
    status, out, err = _run(capsys, [*_base(*home), "checkin", "20", "basics", "-n", note])
    assert status == 2
    _one_sentence(err)
    assert "not valid text" in err
    assert "Logged" not in out


def test_a_start_up_error_ends_the_process(tmp_path: Path) -> None:
    """`WAYPOINT_DEFAULT_TIMEZONE=EST waypoint progress` says so and exits (it used to hang)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYPOINT_")}
    env["WAYPOINT_DEFAULT_TIMEZONE"] = "EST"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(tmp_path / "d"), "progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "waypoint: invalid setting WAYPOINT_DEFAULT_TIMEZONE: unknown timezone 'EST' (use an "
        "IANA name such as Europe/Paris)"
    ]
