"""``python -m abc_costing`` runs the ``abc-costing`` command."""

import sys

from abc_costing.cli import main

sys.exit(main())
