"""``python -m geoinv``: the ``geoinv`` command."""

import sys

from .workflow.cli import main

if __name__ == "__main__":
    sys.exit(main())
