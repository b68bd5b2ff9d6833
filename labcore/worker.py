"""`python -m labcore.worker ...`: the documented entry point of a worker process
(the code lives in labcore.engine.worker)."""
from labcore.engine.worker import main

if __name__ == "__main__":
    raise SystemExit(main())
