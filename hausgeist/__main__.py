"""``python -m hausgeist``."""

import sys

from hausgeist.cli import main

sys.exit(main())
