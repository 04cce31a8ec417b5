"""`python -m assessments screen colorado --answers FILE`: SB 26-189 as JSON, bad answers named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assessments.cli import main
from tests.conftest import REPO

OBLIGATION_KEYS = {"id", "title", "section", "applies_from", "roles", "source", "last_checked"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_yaml_file_prints_covered_basis_dated_obligations_and_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "colorado_consumers: yes\n"
        "consequential_decision_areas: [financial_lending]\n"
        "roles: [developer, deployer]\n"
        "small_deployer: yes\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "screen", "colorado", "--answers", str(answers))
    assert code == 0, err
    result = json.loads(out)
    assert list(result) == ["covered", "basis", "obligations", "reasons"]
    assert result["covered"] is True and result["basis"] == "covered_admt"
    assert all(set(item) == OBLIGATION_KEYS for item in result["obligations"])
    assert all(item["applies_from"] == "2027-01-01" for item in result["obligations"])
    assert all(item["last_checked"] == "2026-12-07" for item in result["obligations"])
    by_id = {item["id"]: item for item in result["obligations"]}
    assert by_id["developer_documentation"]["roles"] == ["developer"]
    assert by_id["developer_documentation"]["section"] == "C.R.S. 6-1-1702(1)"
    assert by_id["meaningful_human_review"]["roles"] == ["deployer"]
    reasons = " ".join(result["reasons"])
    assert '"A financial or lending service"' in reasons
    assert "taken as yes" in reasons, "materially_influences defaults to yes when areas are given"
    assert "no relief for small deployers" in reasons


def test_a_json_file_not_covered_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "colorado_consumers": "yes",
                "consequential_decision_areas": ["insurance"],
                "roles": ["provider"],
                "materially_influences": "no",
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "screen", "colorado", "--answers", str(answers))
    result = json.loads(out)
    assert code == 0
    assert (result["covered"], result["basis"]) == (False, "no_material_influence")
    assert result["obligations"] == []


def test_old_sb_24_205_keys_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "old.yaml"
    answers.write_text(
        "colorado_applies: yes\ncolorado_areas: [legal_services]\n"
        "colorado_substantial_factor: yes\nroles: [deployer]\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "screen", "colorado", "--answers", str(answers))
    result = json.loads(out)
    assert code == 0 and result["covered"] is False
    assert result["basis"] == "no_consequential_decision"
    assert any('"A legal service" was left out' in reason for reason in result["reasons"])


def test_bad_keys_and_values_exit_1_with_one_line_naming_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "bad.yaml"
    answers.write_text(
        "colorado_consumers: maybe\nconsequential_decision_areas: [retail]\n"
        "roles: [ceo]\nsmall_deployer: 3\ncolour: blue\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "screen", "colorado", "--answers", str(answers))
    assert code == 1 and out == ""
    for named in ("'maybe'", "'retail'", "'ceo'", "small_deployer", "'colour'"):
        assert named in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_or_broken_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "screen", "colorado", "--answers", str(tmp_path / "none.yaml"))
    assert code == 1 and "cannot read" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "screen", "colorado", "--answers", str(broken))
    assert code == 1 and "not valid JSON" in err


def test_the_command_runs_as_a_module(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("colorado_consumers: no\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "assessments", "screen", "colorado", "--answers", str(answers)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["basis"] == "no_colorado_consumers"
