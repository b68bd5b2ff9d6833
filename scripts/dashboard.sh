#!/usr/bin/env bash
# Start the dashboard on http://localhost:8501 (installs requirements into .venv first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false "$@"
