"""`python -m assessments screen eu-ai-act|colorado --answers FILE`: the EU AI Act screening or
the Colorado ADMT law (SB 26-189) screening of one answer file (YAML or JSON with the stable keys
of assessments.screening or assessments.colorado), printed as JSON.

Needs no database: it runs the decision procedure on the file and nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys

from assessments.colorado import load_colorado_answers_file, screen_colorado
from assessments.screening import (
    ANSWER_KEYS,
    ScreeningInputError,
    load_answers_file,
    screen_eu_ai_act,
)
from assessments.text import first_few


def cmd_screen_eu_ai_act(args: argparse.Namespace) -> int:
    try:
        answers = load_answers_file(args.answers)
    except ScreeningInputError as error:
        print(f"Nothing was screened: {first_few(error.problems)}", file=sys.stderr)
        return 1
    result = screen_eu_ai_act(answers)
    print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


def cmd_screen_colorado(args: argparse.Namespace) -> int:
    """Print {covered, basis, obligations, reasons}; exit 1 with one line on bad answers."""
    try:
        result = screen_colorado(load_colorado_answers_file(args.answers))
    except ScreeningInputError as error:
        print(f"Nothing was screened: {first_few(error.problems)}", file=sys.stderr)
        return 1
    print(json.dumps(result.to_cli_json(), indent=2, ensure_ascii=False))
    return 0


def configure_screen(parser: argparse.ArgumentParser) -> None:
    """The `screen` command: one subcommand per regulation."""
    regulations = parser.add_subparsers(dest="regulation", required=True)
    eu = regulations.add_parser(
        "eu-ai-act",
        help="classify a system under the EU AI Act from an answer file",
        description=(
            "Prints the class, basis, transparency duties, GPAI level, FRIA flag, obligations "
            f"and reasons as JSON. Answer keys: {', '.join(ANSWER_KEYS)}. The older key "
            "public_body_or_public_service is still read."
        ),
    )
    eu.add_argument("--answers", required=True, metavar="FILE", help="YAML or JSON answer file")
    eu.set_defaults(handler=cmd_screen_eu_ai_act)
    colorado = regulations.add_parser(
        "colorado",
        help="check whether Colorado's ADMT law (SB 26-189) covers a system, from an answer file",
        description=(
            "Prints covered, basis, obligations (id, title, section, applies_from, roles, "
            "source, last_checked) and reasons as JSON. Answer keys: colorado_consumers "
            "(yes/no), consequential_decision_areas (list), roles (developer/deployer, or EU AI "
            "Act roles), materially_influences (yes/no; yes when areas are given and it is left "
            "out), small_deployer (yes/no). The SB 24-205 keys colorado_applies, colorado_areas "
            "and colorado_substantial_factor are read as their new counterparts."
        ),
    )
    colorado.add_argument(
        "--answers", required=True, metavar="FILE", help="YAML or JSON answer file"
    )
    colorado.set_defaults(handler=cmd_screen_colorado)
