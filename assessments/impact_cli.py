"""`python -m assessments questionnaires check`: validate every questionnaire file.

Reads the content folder (`$AIMS_DATA_DIR/questionnaires`, or data/questionnaires) and never
the database, so it runs while the app holds AIMS_DB.
"""

from __future__ import annotations

import argparse
import sys

from assessments.questionnaire import check_all, default_directory, load_all


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
