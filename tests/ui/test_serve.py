"""The README's dashboard command listens on this machine only unless LAB_HOST says otherwise."""
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from tests.ui.browser import ROOT, free_port


def listening(port: int) -> list[str]:
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return sorted(line.split()[3].rsplit(":", 1)[0] for line in out.splitlines() if line.strip())


@pytest.mark.skipif(not shutil.which("ss"), reason="needs ss (iproute2)")
def test_dashboard_script_binds_localhost_by_default(tmp_path):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "LAB_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("LAB_HOST", None)
    proc = subprocess.Popen(["bash", "scripts/dashboard.sh"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        assert listening(port) == ["127.0.0.1"]
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(20)
