"""`python -m assessments questionnaires check` and `python -m assessments score impact`.

Both read the content folder (`$AIMS_DATA_DIR/questionnaires`, or data/questionnaires) and never
the database, so they run while the app holds AIMS_DB. `score impact` applies the same rule as the
app (assessments.questionnaire.scoring.score with the questionnaire's floors); the regulatory
facts the app reads from the system's stored screening are given here as flags.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, get_args

import yaml

from assessments.answer_files import (
    AnswerFileRefused,
    answer_text,
    load_answer_json,
    read_answer_bytes,
)
from assessments.impact import DEFAULT_QUESTIONNAIRE, get_questionnaire
from assessments.questionnaire.errors import AnswersFileError, QuestionnaireError
from assessments.questionnaire.files import answers_from_mapping, answers_from_payload, load_yaml
from assessments.questionnaire.loading import check_all, default_directory, load_all
from assessments.questionnaire.model import Questionnaire
from assessments.questionnaire.scoring import ScoreResult, score
from assessments.regulatory import ScreeningFacts
from assessments.screening import RiskClass
from assessments.text import shorten

# The keys `score impact` prints, in this order (the floors as {level, reason, ...}).
SCORE_KEYS = (
    "impact_score",
    "impact_max",
    "mitigation_score",
    "level",
    "level_rank",
    "floors",
    "dimension_scores",
)


def cmd_questionnaires_check(args: argparse.Namespace) -> int:
    folder = args.dir or default_directory()
    problems = check_all(folder)
    if problems:
        for line in problems:
            print(line)
        noun = "problem" if len(problems) == 1 else "problems"
        print(f"{len(problems)} {noun} found in {folder}.", file=sys.stderr)
        return 1
    loaded = load_all(folder)
    listed = ", ".join(f"{key} {item.version}" for key, item in sorted(loaded.items()))
    print(f"OK: {len(loaded)} questionnaire(s) in {folder} ({listed}).")
    return 0


def configure_questionnaires(parser: argparse.ArgumentParser) -> None:
    """The `questionnaires` command: `check` for now."""
    actions = parser.add_subparsers(dest="questionnaires_action", required=True)
    check = actions.add_parser(
        "check",
        help="validate every questionnaire file (types, rules, weights, levels)",
        description="Prints one line per problem and exits 1, or one OK line and exits 0.",
    )
    check.add_argument("--dir", help="another folder of questionnaire YAML files")
    check.set_defaults(handler=cmd_questionnaires_check)


class ScoreInputError(ValueError):
    """An answer file that cannot be scored; the message is the one line printed."""


def read_answers(path: Path, questionnaire: Questionnaire) -> dict[str, Any]:
    """The answers of a file: the app's answer file (JSON, from a result page) or a plain
    YAML/JSON mapping of question id -> answer, each validated against the questionnaire.
    The file is refused before parsing when it is larger than the answer-file limit and while
    parsing when it uses YAML aliases or nests too deeply (assessments.answer_files)."""
    try:
        text = answer_text(read_answer_bytes(path), str(path))
        try:
            data = load_answer_json(text, str(path))
        except json.JSONDecodeError:
            data = load_yaml(text, str(path))
    except FileNotFoundError:
        raise ScoreInputError(f"{path}: no such file") from None
    except OSError as error:
        raise ScoreInputError(f"{path}: cannot read the file ({error.strerror or error})") from None
    except AnswerFileRefused as error:
        raise ScoreInputError(str(error)) from None
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "not valid YAML or JSON"
        raise ScoreInputError(f"{path}: not valid YAML or JSON: {shorten(problem)}") from None
    if not isinstance(data, dict):
        raise ScoreInputError(
            f"{path}: expected an answer file or a mapping of question id -> answer"
        )
    try:
        if "questionnaire_id" in data:
            return answers_from_payload(questionnaire, data)
        return answers_from_mapping(questionnaire, data)
    except AnswersFileError as error:
        raise ScoreInputError(f"{path}: {error}") from None


def score_payload(result: ScoreResult) -> dict[str, Any]:
    """The JSON `score impact` prints: SCORE_KEYS first, then what explains them."""
    return {
        "impact_score": result.impact_score,
        "impact_max": result.impact_max,
        "mitigation_score": result.mitigation_score,
        "level": result.level.id,
        "level_rank": result.level_rank,
        "floors": [
            {
                "level": floor.level,
                "reason": floor.reason,
                "id": floor.id,
                "title": floor.title,
                "stop": floor.stop,
            }
            for floor in result.floors
        ],
        "dimension_scores": result.dimension_scores,
        "points_level": result.points_level.id,
        "points_level_rank": result.points_level_rank,
        "credit_applied": result.credit_applied,
        "questionnaire_id": result.questionnaire_id,
        "questionnaire_version": result.questionnaire_version,
        "notes": result.notes,
    }


def cmd_score_impact(args: argparse.Namespace) -> int:
    try:
        questionnaire = get_questionnaire(DEFAULT_QUESTIONNAIRE)
        answers = read_answers(Path(args.answers), questionnaire)
    except (ScoreInputError, QuestionnaireError) as error:
        print(" ".join(str(error).split()), file=sys.stderr)
        return 1
    flagged = args.eu_ai_act_class or args.fria_required or args.colorado_covered
    facts = (
        ScreeningFacts(
            eu_class=args.eu_ai_act_class,
            fria_required=args.fria_required,
            colorado_covered=args.colorado_covered,
        )
        if flagged
        else None
    )
    payload = score_payload(score(questionnaire, answers, facts))
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return 0


def configure_score(parser: argparse.ArgumentParser) -> None:
    """The `score` command: `impact` for now."""
    kinds = parser.add_subparsers(dest="score_kind", required=True)
    impact = kinds.add_parser(
        "impact",
        help="the impact level of an answer file, with its floors (no database needed)",
        description=(
            "Scores an impact answer file (the JSON a result page downloads, or a YAML/JSON "
            "mapping of question id -> answer) with the same rule as the app and prints JSON: "
            "impact_score, impact_max, mitigation_score, level, level_rank (1-4), floors "
            "[{level, reason}], dimension_scores. The screening flags stand for the system's "
            "stored screening; without them no regulatory floor applies. Bad input: one line "
            "on standard error, exit 1."
        ),
    )
    impact.add_argument("--answers", required=True, metavar="FILE", help="the answer file")
    impact.add_argument(
        "--eu-ai-act-class",
        choices=get_args(RiskClass),
        metavar="CLASS",
        help=f"the EU AI Act class of the screening: {', '.join(get_args(RiskClass))}",
    )
    impact.add_argument(
        "--fria-required",
        action="store_true",
        help="the screening finds a fundamental rights impact assessment due",
    )
    impact.add_argument(
        "--colorado-covered",
        action="store_true",
        help="the screening finds the Colorado law covers the system",
    )
    impact.set_defaults(handler=cmd_score_impact)
