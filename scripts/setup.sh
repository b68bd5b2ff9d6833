#!/usr/bin/env bash
# Create .venv with Python 3.11 and install requirements.txt; a no-op when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi
# Fashion-MNIST (60k + 10k real images, offline) is Debian's dataset-fashion-mnist; where apt cannot
# install it, fashion_mnist needs LAB_DATA_DIR or a network and the pages say so in one line.
if [ ! -e /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null) 2>/dev/null \
    || echo "warning: could not install dataset-fashion-mnist; fashion_mnist needs LAB_DATA_DIR or a network" >&2
fi
