"""``python -m outagetray``: the same as the ``outagetray`` command."""

import sys

from outagetray.cli import main

if __name__ == "__main__":
    sys.exit(main())
