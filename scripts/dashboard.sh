#!/usr/bin/env bash
# Start the dashboard on http://127.0.0.1:8501 (installs requirements into .venv first).
# It listens on this machine only. LAB_HOST=0.0.0.0 (or an address) exposes it to the
# network: then starting, cancelling and deleting runs need LAB_TOKEN (entered once per
# browser session; without LAB_TOKEN the dashboard is read-only) and server tracebacks
# and paths are hidden.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LAB_HOST="${LAB_HOST:-127.0.0.1}"
details=true
case "$LAB_HOST" in 127.0.0.1|localhost|::1) ;; *) details=false ;; esac
# One worker imports torch now and waits while the dashboard (this pid, after exec) lives:
# the first Run trains at once (LAB_WARM_WORKER=0: none).
.venv/bin/python -m labcore warm --for $$ || true
exec .venv/bin/python -m streamlit run app.py --server.address "$LAB_HOST" --server.port "${PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false --client.showErrorDetails "$details" "$@"
