"""``python -m quartier``: the same as the ``quartier`` command."""

import sys

from .cli import main

sys.exit(main())
