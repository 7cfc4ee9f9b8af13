"""`python -m minirnn.cli ...` runs the `minirnn` command."""
import sys

from . import main

sys.exit(main())
