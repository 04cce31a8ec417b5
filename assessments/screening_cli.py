"""`python -m assessments screen eu-ai-act --answers FILE`: the EU AI Act screening of one
answer file (YAML or JSON with the stable keys of assessments.screening), printed as JSON.

Needs no database: it runs the decision procedure on the file and nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys

from assessments.screening import ScreeningInputError, load_answers_file, screen_eu_ai_act


def cmd_screen_eu_ai_act(args: argparse.Namespace) -> int:
    try:
        answers = load_answers_file(args.answers)
    except ScreeningInputError as error:
        print(f"{args.answers}: nothing was screened. {error}", file=sys.stderr)
        return 1
    result = screen_eu_ai_act(answers)
    print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


def configure_screen(parser: argparse.ArgumentParser) -> None:
    """The `screen` command and its one regulation so far."""
    regulations = parser.add_subparsers(dest="regulation", required=True)
    eu = regulations.add_parser(
        "eu-ai-act",
        help="classify a system under the EU AI Act from an answer file",
        description=(
            "Prints the class, basis, transparency duties, GPAI level, FRIA flag, obligations "
            "and reasons as JSON. Answer keys: ai_system, roles, exclusions, prohibited, "
            "annex_i_product, annex_iii_areas, profiles_natural_persons, art6_3_conditions, "
            "significant_risk_of_harm, art50, gpai_model_provider, gpai_systemic_risk, "
            "public_body_or_public_service, credit_or_insurance_pricing."
        ),
    )
    eu.add_argument("--answers", required=True, metavar="FILE", help="YAML or JSON answer file")
    eu.set_defaults(handler=cmd_screen_eu_ai_act)
