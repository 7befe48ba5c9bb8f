"""Let `python -m bot` run the `interview-bot` command line."""

import sys

from bot.cli import main

sys.exit(main())
