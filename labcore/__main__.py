"""`python -m labcore`: see labcore.cli."""
import os
import sys

from labcore.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # `labcore runs | head`: the reader left; that is not an error
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
raise SystemExit(code)
