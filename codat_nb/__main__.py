"""``python -m codat_nb`` runs the ``codat-nb`` command line."""

from codat_nb.cli import main

raise SystemExit(main())
