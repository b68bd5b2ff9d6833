#!/usr/bin/env bash
# Run the whole test suite, browser tests included, installing what it needs first:
# Python packages into .venv and Debian's Chromium for Playwright.
# A test that needs Chromium fails, rather than skips, when it is missing or cannot run
# (LAB_REQUIRE_BROWSER=1, the default here); LAB_REQUIRE_BROWSER=0 lets them skip instead
# (e.g. `LAB_REQUIRE_BROWSER=0 bash ./scripts/test.sh -m unit` on a machine without apt).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LAB_REQUIRE_BROWSER="${LAB_REQUIRE_BROWSER:-1}"
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the tests that need it will fail (LAB_REQUIRE_BROWSER=0: skip)" >&2
fi
# Two test processes (pytest-xdist), each module's tests in one of them (--dist loadscope: a
# module's server or Ray cluster fixture starts once); LAB_TEST_WORKERS=0 runs them in this process.
exec .venv/bin/python -m pytest -q -n "${LAB_TEST_WORKERS:-2}" --dist loadscope tests "$@"
