"""``python -m bench NAME ...``: the same as ``oscserver bench NAME ...``."""

import sys

from bench.cli import main

sys.exit(main())
