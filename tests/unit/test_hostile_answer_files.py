"""Hostile answer files on the command line (`screen eu-ai-act`, `screen colorado`,
`score impact`): each is refused with exit 1 and one short line on standard error, before it
can take the machine's memory, its stack or the reader's screen."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from assessments.answer_files import ANSWER_FILE_MAX_BYTES, ANSWER_FILE_MAX_DEPTH
from assessments.cli import main
from assessments.impact import get_questionnaire
from assessments.inventory import field_errors
from assessments.questionnaire.files import answers_to_json, load_yaml
from assessments.text import ECHO_LIMIT, echo, first_few
from assessments.yaml_io import UntrustedYAMLError, load_untrusted
from tests.factories import system_input
from tests.impact_data import complete_answers

REPO = Path(__file__).resolve().parents[2]

# Each command with an answer key it reads: a yes/no key and a multiple-choice key.
COMMANDS = {
    "eu-ai-act": (["screen", "eu-ai-act"], "ai_system", "roles"),
    "colorado": (["screen", "colorado"], "colorado_consumers", "consequential_decision_areas"),
    "impact": (["score", "impact"], "system_legal_effect", "system_decision_areas"),
}
DEEP = 100_000


def billion_laughs(key: str) -> str:
    """About 500 bytes that a YAML loader following aliases turns into 10**9 strings."""
    lines = ["a: &a [" + ", ".join(['"lol"'] * 10) + "]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    lines.append(f"{key}: *i")
    return "\n".join(lines) + "\n"


@pytest.fixture(params=sorted(COMMANDS))
def command(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> Callable[[bytes, str], str]:
    """Run the command on a file of these bytes; assert exit 1, one short line; the line."""

    def run(content: bytes, suffix: str = ".yaml", longest: int = 1024) -> str:
        path = tmp_path / f"answers{suffix}"
        path.write_bytes(content)
        code = main([*COMMANDS[command][0], "--answers", str(path)])
        captured = capsys.readouterr()
        assert code == 1, captured.err[:500]
        assert captured.out == ""
        assert captured.err.count("\n") == 1 and len(captured.err) < longest, captured.err[:3000]
        return captured.err

    return run


def test_an_alias_bomb_is_refused_in_one_short_line(command: str, refused) -> None:
    bomb = billion_laughs(COMMANDS[command][2])
    assert 400 < len(bomb) < 600
    err = refused(bomb.encode())
    assert "not allowed in answer files (line 1)" in err
    assert "lol" not in err


@pytest.mark.parametrize("loader", [yaml.SafeLoader, getattr(yaml, "CSafeLoader", None)])
def test_aliases_and_anchors_are_refused_by_the_c_and_the_python_loader(loader) -> None:
    if loader is None:
        pytest.skip("PyYAML was built without libyaml")
    with pytest.raises(UntrustedYAMLError, match=r"anchors \(&a\) are not allowed"):
        load_untrusted(billion_laughs("roles"), max_depth=32, loader=loader)
    with pytest.raises(UntrustedYAMLError, match=r"aliases \(\*a\) are not allowed"):
        load_untrusted("roles: *a\n", max_depth=32, loader=loader)
    with pytest.raises(UntrustedYAMLError, match="nested more than 32 levels deep"):
        load_untrusted("[" * DEEP + "]" * DEEP, max_depth=32, loader=loader)
    assert load_untrusted("roles: [provider]\nnote: !!str 5\n", max_depth=2, loader=loader) == {
        "roles": ["provider"],
        "note": "5",
    }


def test_the_strict_loader_of_hand_written_impact_answers_refuses_aliases_too() -> None:
    with pytest.raises(ValueError, match=r"anchors \(&a\) are not allowed"):
        load_yaml(billion_laughs("system_decision_areas"))
    assert load_yaml("system_legal_effect: no\n") == {"system_legal_effect": "no"}


@pytest.mark.parametrize(
    ("text", "suffix"),
    [
        ("[" * DEEP + "]" * DEEP, ".yaml"),
        ("a:\n" + "".join(" " * depth + "- \n" for depth in range(1, 200)), ".yaml"),
        ('{"a": ' + "[" * DEEP + "]" * DEEP + "}", ".json"),
        ('{"a": ' + '{"b": ' * DEEP + "1" + "}" * DEEP + "}", ".json"),
    ],
    ids=["yaml-flow", "yaml-block", "json-lists", "json-objects"],
)
def test_deep_nesting_is_refused_cleanly(refused, text: str, suffix: str) -> None:
    err = refused(text.encode(), suffix)
    assert f"nested more than {ANSWER_FILE_MAX_DEPTH} levels deep" in err


def test_invalid_utf8_is_refused(refused, command: str) -> None:
    err = refused(f"{COMMANDS[command][1]}: \xff\xfe yes\n".encode("latin-1"))
    assert "is not UTF-8 text (byte" in err


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(refused, command: str) -> None:
    # Valid answers padded with a comment: read whole, it would be screened.
    answers = f"{COMMANDS[command][1]}: no\n".encode()
    padding = b"#" * (ANSWER_FILE_MAX_BYTES - len(answers)) + b"\n"
    err = refused(answers + padding)
    assert "is larger than 1 MB, the limit for an answer file" in err


def test_a_file_at_the_size_limit_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = b"ai_system: no\n"
    path = tmp_path / "answers.yaml"
    path.write_bytes(answers + b"#" * (ANSWER_FILE_MAX_BYTES - len(answers) - 1) + b"\n")
    assert path.stat().st_size == ANSWER_FILE_MAX_BYTES
    assert main(["screen", "eu-ai-act", "--answers", str(path)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("where", ["value", "choice", "key"])
def test_an_echoed_value_is_cut_to_the_limit(refused, command: str, where: str) -> None:
    _, yes_no_key, choices_key = COMMANDS[command]
    long = "x" * 10_000
    line = {
        "value": f"{yes_no_key}: {long}",
        "choice": f"{choices_key}: [{long}]",
        "key": json.dumps({long: 1}),
    }[where]
    err = refused((line + "\n").encode(), ".json" if where == "key" else ".yaml")
    assert max(len(run) for run in re.findall("x+", err)) <= ECHO_LIMIT
    assert re.search(f"x{{{ECHO_LIMIT - 1},{ECHO_LIMIT}}}\u2026", err)


def test_a_file_of_many_bad_answers_lists_a_few_and_counts_the_rest(refused, command: str) -> None:
    lines = "".join(f"unknown_{number}: 1\n" for number in range(50_000))
    err = refused(lines.encode(), longest=2048)
    assert "unknown_0" in err and "unknown_10:" not in err and "and 49,990 more" in err


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{key}: !!timestamp 1\n", "tags such as tag:yaml.org,2002:timestamp are not allowed"),
        ("{key}: !!python/object/apply:os.system [echo hi]\n", "are not allowed"),
        ("{key}: 2001-13-45\n", "has a value that cannot be read (month must be in 1..12)"),
        ("{key}: " + "9" * 5000 + "\n", "has a value that cannot be read"),
    ],
    ids=["timestamp-tag", "python-tag", "month-13", "5000-digits"],
)
def test_values_the_loader_cannot_build_are_refused_in_one_line(
    refused, command: str, text: str, says: str
) -> None:
    err = refused(text.format(key=COMMANDS[command][1]).encode())
    assert says in err


def test_a_json_number_too_long_for_python_is_refused(refused) -> None:
    err = refused(('{"a": ' + "9" * 5000 + "}").encode(), ".json")
    assert "has a value that cannot be read" in err


def test_echo_quotes_short_values_as_repr_and_cuts_long_ones() -> None:
    assert echo("yes") == "'yes'"
    assert echo(5) == "5" and echo(None) == "None"
    cut = echo("y" * 10_000)
    assert cut == "'" + "y" * (ECHO_LIMIT - 1) + "\u2026"
    nested = echo([["z" * 1000] * 1000] * 1000)
    assert len(nested) <= ECHO_LIMIT + 1 and nested.endswith("\u2026")
    assert first_few([str(number) for number in range(25)], 3) == "0; 1; 2; and 22 more"


def test_the_app_accepts_uploads_of_a_few_megabytes_only() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    limit_mb = config["server"]["maxUploadSize"]
    assert limit_mb * 1024 * 1024 >= ANSWER_FILE_MAX_BYTES
    assert 1 <= limit_mb <= 10


def test_an_app_answer_file_still_scores(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(answers_to_json(get_questionnaire(), complete_answers()), encoding="utf-8")
    assert main(["score", "impact", "--answers", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["level"]


def test_an_inventory_value_is_echoed_cut_to_the_limit() -> None:
    with pytest.raises(ValidationError) as caught:
        system_input(lifecycle_stage="p" * 10_000)
    message = field_errors(caught.value)["lifecycle_stage"]
    assert "p" * ECHO_LIMIT not in message
    assert "'" + "p" * (ECHO_LIMIT - 1) + "\u2026 is not a known value" in message
