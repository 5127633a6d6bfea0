"""``python -m novamagic report ...``: the ``novamagic`` console script."""

import sys

from novamagic.cli import main

sys.exit(main())
