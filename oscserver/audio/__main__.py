"""``python -m oscserver.audio drive|render|bench``."""

import sys

from oscserver.audio.cli import main

sys.exit(main())
