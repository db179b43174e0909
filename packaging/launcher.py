"""Entry script of the frozen app: the same `main()` as the `debc-outreach` command."""

import sys

from debc_outreach.cli import main

if __name__ == "__main__":
    sys.exit(main())
