"""`python -m assessments screen eu-ai-act --answers FILE`: JSON out, bad keys and values named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assessments.cli import main
from tests.conftest import REPO

RESULT_KEYS = {"class", "basis", "transparency_duties", "gpai", "fria_required", "obligations"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_yaml_file_prints_the_result_with_its_reasons(tmp_path: Path, capsys) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "ai_system: yes\n"
        "roles: [deployer]\n"
        "annex_iii_areas: [essential_services]\n"
        "profiles_natural_persons: yes\n"
        "credit_or_insurance_pricing: yes\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "screen", "eu-ai-act", "--answers", str(answers))
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == RESULT_KEYS | {"reasons"}
    assert result["class"] == "high_risk" and result["basis"] == "annex_iii"
    assert result["fria_required"] is True
    fria = next(
        o for o in result["obligations"] if o["id"] == "fundamental_rights_impact_assessment"
    )
    assert fria["article"] == "Art. 27" and fria["applies_from"] and fria["summary"]
    assert fria["source"] and fria["last_checked"]
    assert all(isinstance(reason, str) for reason in result["reasons"])
    assert any(
        '"Access to essential private and public services"' in reason
        for reason in result["reasons"]
    )


def test_a_json_file_works_too(tmp_path: Path, capsys) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "ai_system": "yes",
                "roles": ["provider"],
                "annex_iii_areas": ["education"],
                "profiles_natural_persons": "no",
                "art6_3_conditions": ["preparatory_task"],
                "significant_risk_of_harm": "no",
                "art50": ["interacts_with_people"],
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "screen", "eu-ai-act", "--answers", str(answers))
    result = json.loads(out)
    assert code == 0
    assert result["class"] == "limited_risk"
    assert result["basis"] == "art6_3_exemption"
    assert result["transparency_duties"] == ["interacts_with_people"]
    assert "document_exemption_and_register" in {o["id"] for o in result["obligations"]}


def test_invalid_keys_and_values_are_refused_naming_each_one(tmp_path: Path, capsys) -> None:
    answers = tmp_path / "bad.yaml"
    answers.write_text(
        "ai_system: maybe\nroles: [provider, ceo]\nprohibited: [mind_reading]\ncolour: blue\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "screen", "eu-ai-act", "--answers", str(answers))
    assert code == 1 and out == ""
    for named in ("ai_system", "'maybe'", "'ceo'", "'mind_reading'", "'colour'"):
        assert named in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_or_broken_file_is_refused(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "screen", "eu-ai-act", "--answers", str(tmp_path / "none.yaml"))
    assert code == 1 and "cannot read" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "screen", "eu-ai-act", "--answers", str(broken))
    assert code == 1 and "not valid JSON" in err


def test_the_command_runs_as_a_module(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("ai_system: no\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "assessments", "screen", "eu-ai-act", "--answers", str(answers)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["class"] == "out_of_scope"
    unknown = subprocess.run(
        [sys.executable, "-m", "assessments", "screen", "us-ai-act", "--answers", str(answers)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert unknown.returncode == 2


@pytest.mark.parametrize("regulation", ["eu-ai-act", "colorado"])
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe not text", "is not UTF-8 text"),
        (b"ai_system: [yes\n", "is not valid YAML: did not find expected ',' or ']' (line 2)"),
        (b"", "holds no answers"),
        (b"- a\n- b\n", "must map answer keys to answers, not be a list"),
        (b'{"ai_system": ', "is not valid JSON"),
    ],
)
def test_an_unusable_file_is_refused_in_one_line(
    tmp_path: Path, capsys, regulation: str, content: bytes, expected: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(content)
    code, out, err = run(capsys, "screen", regulation, "--answers", str(answers))
    assert (code, out) == (1, "")
    assert expected in err and err.startswith("Nothing was screened: ")
    assert len(err.strip().splitlines()) == 1, "one line, no traceback or parser diagram"


def test_the_help_lists_todays_answer_keys(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["screen", "eu-ai-act", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "eu_territorial_link" in out and "public_authority" in out
    assert "public_body_or_public_service is still read" in out
