#!/usr/bin/env bash
# Create .venv with Python 3.11, install requirements.txt and the project (editable); a no-op when
# nothing changed.
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
# The project itself, editable, so `import labcore` works from anywhere (a notebook outside the
# repo root) and follows this checkout's edits; its dependencies are requirements.txt above.
pstamp=.venv/.project.sha
pwant=$( (pwd; cat pyproject.toml) | sha256sum | cut -d' ' -f1)
if [ "$(cat "$pstamp" 2>/dev/null)" != "$pwant" ]; then
  # the venv's own setuptools builds it when recent enough (no download); else pip fetches one
  iso=""
  .venv/bin/python -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 71)' \
    2>/dev/null && iso="--no-build-isolation"
  .venv/bin/python -m pip install --quiet --no-deps $iso -e .
  echo "$pwant" > "$pstamp"
fi
# Fashion-MNIST (60k + 10k real images, offline) is Debian's dataset-fashion-mnist; where apt cannot
# install it, fashion_mnist needs LAB_DATA_DIR or a network and the pages say so in one line.
if [ ! -e /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null) 2>/dev/null \
    || echo "warning: could not install dataset-fashion-mnist; fashion_mnist needs LAB_DATA_DIR or a network" >&2
fi
