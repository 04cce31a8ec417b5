"""Entry point for `python -m assessments`."""

import sys

from assessments.cli import main

sys.exit(main())
