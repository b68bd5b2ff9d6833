"""`python -m labcore`: see labcore.cli."""
from labcore.cli import main

raise SystemExit(main())
