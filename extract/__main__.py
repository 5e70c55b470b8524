"""``python -m extract`` runs the command line."""

import sys

from extract.cli.main import main

sys.exit(main())
