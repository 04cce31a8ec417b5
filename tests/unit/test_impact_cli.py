"""`python -m assessments score impact`: the app's rule on an answer file, printed as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments.cli import main
from assessments.impact import get_questionnaire
from assessments.impact_cli import SCORE_KEYS
from assessments.questionnaire.files import answers_to_json
from assessments.questionnaire.scoring import score
from assessments.regulatory import ScreeningFacts
from tests.impact_data import complete_answers, grid

REPO = Path(__file__).resolve().parents[2]

INSULIN = complete_answers(
    system_function="acts_physically",
    system_decision_areas=["health"],
    system_autonomy="none",
    system_reversibility="cannot",
    deploy_physical="controls_physical",
    harm_grid=grid("none", individuals__physical_psychological="high"),
    likelihood_physical_psychological="possible",
    harm_description="A wrong dose can put a patient in hospital.",
    harm_worst_severity=5,
    failure_consequence="serious",
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["score", "impact", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else captured.out, captured.err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_prints_the_documented_keys_for_an_app_answer_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    questionnaire = get_questionnaire()
    path = write(tmp_path, "answers.json", answers_to_json(questionnaire, complete_answers()))
    code, payload, err = run(capsys, "--answers", path)
    assert code == 0 and err == ""
    assert list(payload)[: len(SCORE_KEYS)] == list(SCORE_KEYS)
    assert (payload["level"], payload["level_rank"], payload["floors"]) == ("I", 1, [])
    expected = score(questionnaire, complete_answers())
    assert payload["impact_score"] == expected.impact_score
    assert payload["impact_max"] == expected.impact_max
    assert payload["mitigation_score"] == expected.mitigation_score
    assert payload["dimension_scores"] == expected.dimension_scores


def test_an_insulin_dosing_controller_gets_its_floor(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "insulin.yaml", yaml.safe_dump(INSULIN))
    code, payload, _ = run(capsys, "--answers", path)
    assert code == 0
    assert (payload["level"], payload["level_rank"], payload["points_level"]) == ("III", 3, "I")
    [floor] = payload["floors"]
    assert floor["level"] == "III" and "It cannot be undone" in floor["reason"]


@pytest.mark.parametrize(
    ("flags", "level", "floor_ids"),
    [
        (["--eu-ai-act-class", "high_risk"], "II", ["eu_high_risk"]),
        (["--colorado-covered"], "II", ["colorado_covered"]),
        (["--fria-required"], "II", ["fria_required"]),
        (["--eu-ai-act-class", "minimal_risk"], "I", []),
        (["--eu-ai-act-class", "prohibited"], "IV", ["eu_prohibited"]),
    ],
)
def test_the_screening_flags_apply_the_app_s_regulatory_floors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flags, level, floor_ids
) -> None:
    path = write(tmp_path, "answers.yaml", yaml.safe_dump(complete_answers()))
    code, payload, _ = run(capsys, "--answers", path, *flags)
    assert code == 0
    assert payload["level"] == level and [f["id"] for f in payload["floors"]] == floor_ids
    facts = ScreeningFacts(
        eu_class=flags[1] if flags[0] == "--eu-ai-act-class" else None,
        fria_required="--fria-required" in flags,
        colorado_covered="--colorado-covered" in flags,
    )
    assert payload["level"] == score(get_questionnaire(), complete_answers(), facts).level.id
    if level == "IV":
        assert payload["floors"][0]["stop"] is True
        assert payload["floors"][0]["reason"].startswith("Stop.")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "no such file"),
        ("harm_grid: [unclosed", "not valid YAML or JSON"),
        ("- just\n- a list\n", "expected an answer file or a mapping"),
        ("harm_worst_severity: 9\n", "harm_worst_severity: 9 is out of range"),
        ("not_a_question: 1\n", "not_a_question: no such question in version 2.0"),
        (
            json.dumps({"questionnaire_id": "eu_ai_act_screening", "answers": {}}),
            "answers questionnaire 'eu_ai_act_screening'",
        ),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str | None, message: str
) -> None:
    path = tmp_path / "answers.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "--answers", str(path))
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1, err


def test_an_unknown_class_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["score", "impact", "--answers", "x.yaml", "--eu-ai-act-class", "dangerous"])
    assert stopped.value.code == 2
    assert "invalid choice: 'dangerous'" in capsys.readouterr().err


def test_runs_as_a_module_without_a_database(tmp_path: Path) -> None:
    path = write(tmp_path, "insulin.json", json.dumps(INSULIN))
    result = subprocess.run(
        [sys.executable, "-m", "assessments", "score", "impact", "--answers", path],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"AIMS_DB": str(tmp_path / "absent" / "never.duckdb"), "PATH": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["level_rank"] == 3
    assert not (tmp_path / "absent").exists()
