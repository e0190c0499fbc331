"""``python -m oscserver_bench NAME ...``: the same as ``oscserver bench NAME ...``."""

import sys

from oscserver_bench.cli import main

sys.exit(main())
