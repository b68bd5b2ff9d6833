"""The lab from a notebook: a width sweep, a slope fitted by hand, a figure for a paper.

Run it from the repository root as a script (`PYTHONPATH=. .venv/bin/python docs/notebook.py OUT_DIR`) or paste the
cells into Jupyter; `tests/test_docs_notebook.py` runs it and checks its printed output against the
output recorded at the bottom of this file. It trains through the same engine and store as
the dashboard (`$LAB_CACHE_DIR` or ./cache): the runs appear on the Runs page, and a second
run of this file is all cache hits.
"""
import sys
from pathlib import Path

import numpy as np

from labcore import api

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/notebook")

# %% A sweep: three widths x two seeds of the lazy-training phenomenon (seconds on a CPU).
runs = api.sweep("lazy_training", seeds=[0, 1], width=[16, 256, 4096], steps=50, progress=False)
print("statuses:", sorted({r.status for r in runs}))

# %% The runs as a DataFrame: one row per run, settings and final metrics as columns.
table = api.runs("lazy_training", status="done", steps=50)
table = table[table["id"].isin([r.id for r in runs])]
finals = table.groupby("width")["final_rel_change"].mean()
print(finals.round(4).to_string())

# %% The slope, fitted by the user: log rel_change against log width.
slope, _ = np.polyfit(np.log(finals.index.to_numpy(float)), np.log(finals.to_numpy()), 1)
print(f"fitted slope: {slope:.2f} (lazy training predicts about -0.5 or steeper)")

# %% A figure for the paper: the seed bands of rel_change over steps, saved as SVG.
fig = api.figure(runs, "rel_change", log_y=True)
path = api.save_figure(fig, out / "rel_change.svg", width=640)
print("saved", path.name, f"({len(fig.data)} traces)")

# Output recorded on a 2-core CPU machine:
# statuses: ['done']
# width
# 16      0.6341
# 256     0.1142
# 4096    0.0133
# fitted slope: -0.70 (lazy training predicts about -0.5 or steeper)
# saved rel_change.svg (6 traces)
