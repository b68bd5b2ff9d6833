"""docs/notebook.py runs as written and prints what it records at its bottom (numbers within
a small tolerance: float summation order may differ between machines)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.browser import require_chromium

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "notebook.py"


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+", text)]


@pytest.mark.slow
def test_notebook_example_prints_its_recorded_output(tmp_path):
    require_chromium("the example saves an SVG with Chromium")
    env = {**os.environ, "LAB_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, str(DOC), str(tmp_path / "out")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    recorded = DOC.read_text().split("# Output recorded on a 2-core CPU machine:\n", 1)[1]
    recorded = "\n".join(line[2:] for line in recorded.splitlines())
    printed = res.stdout.strip()
    # the same lines with the numbers taken out, and the numbers within 2%
    assert re.sub(r"-?\d+\.\d+", "#", printed) == re.sub(r"-?\d+\.\d+", "#", recorded.strip())
    assert _numbers(printed) == pytest.approx(_numbers(recorded), rel=0.02)
    svg = (tmp_path / "out" / "rel_change.svg").read_text()
    assert svg.startswith("<svg") and "rel_change" in svg
