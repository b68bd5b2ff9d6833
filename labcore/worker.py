"""`python -m labcore.worker ...`: the documented entry point of a worker process
(the code lives in labcore.engine.worker_loop)."""
from labcore.engine.worker_loop import main

if __name__ == "__main__":
    raise SystemExit(main())
