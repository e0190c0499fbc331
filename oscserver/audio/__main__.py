"""``python -m oscserver.audio drive|render``."""

import sys

from oscserver.audio.cli import main

sys.exit(main())
