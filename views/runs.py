"""Runs: browse, filter and compare every stored run (as TensorBoard / W&B users expect):
id-based links, EMA smoothing over the raw curve, grouping by any setting, a summary
table, a sweep view, names and notes, cancel / re-run / delete, CSV exports."""
import streamlit as st

from labcore.core.run_states import any_active
from labcore.charts.comparison_plots import PALETTE
from labcore.runs import compare, export
from labcore.ui import access, figure_export, full_disk, runs_actions, runs_charts, runs_claims, runs_select, state

st.title("Runs")
store = state.store()
full_disk.notice(store)  # first: a damaged store's line ends the page before anything reads it
records = store.runs()
access.token_box()
st.caption(f"Store `{access.where(store.dir)}`: {store.size_bytes() / 1e6:.1f} MB of {store.budget_bytes / 1e6:.0f} MB "
           f"budget · {len(records)} runs. Past the budget the oldest finished runs are removed.")
unknown = runs_select.seed_from_url([r["id"] for r in records])
runs_select.unknown_line([access.plain(u) for u in unknown[:5]] + ([f"and {len(unknown) - 5} more"]
                                                                  if len(unknown) > 5 else []))
if not records:
    st.info("No runs yet: open a phenomenon page and press Run.")
    st.stop()

runs_select.table(records)
selected = runs_select.picker(records)
runs_select.write_url(selected)
if not selected:
    st.stop()

# ---- the selected runs: names, notes, show/hide, actions ----------------------------
recs, frame = runs_charts.load(store, selected)
labels = compare.readable_labels(recs)
colours = compare.colours([r["id"] for r in recs], PALETTE)
with st.expander(f"Selected runs ({len(recs)}): show or hide, name, notes, cancel, re-run, delete",
                 expanded=len(recs) <= 8):
    runs_actions.editor(store, recs, labels, colours)
    runs_actions.toolbar(store, recs)
    runs_select.share_link(selected)

# ---- charts, summary, sweep view -----------------------------------------------------
shown_ids = runs_select.visible([r["id"] for r in recs])
if not shown_ids:
    st.info("Every selected run is hidden: tick `show` above to draw one.")
    st.stop()
shown = [r for r in recs if r["id"] in shown_ids]
frame = frame[frame["run_id"].isin(shown_ids)]
if frame.empty:
    st.info("The selected runs have no rows yet.")
    st.stop()
view = runs_charts.controls(frame, shown)


# A 50-run comparison takes about a second to draw on 2 busy cores: redraw it less often.
@st.fragment(run_every=(2.0 if len(shown) <= 10 else 5.0) if any_active(shown) else None)
def comparison() -> None:
    """Charts and summary; redrawn from the store every few seconds while a shown run is active."""
    figure_export.context("runs", shown_ids[0] if len(shown_ids) == 1 else f"{len(shown_ids)}_runs")
    # a tick shares the server's reads with every other session polling these runs
    recs_now, frame_now = runs_charts.load(store, shown_ids, fresh=False) if any_active(shown) else (shown, frame)
    runs_charts.charts(frame_now, recs_now, view, labels, colours)
    runs_charts.early_stops(recs_now, labels)
    table = runs_charts.summary(frame_now, recs_now, view, labels, colours)
    runs_charts.sweep_view(recs_now, table, view)


comparison()
runs_claims.panel(store, shown)
st.download_button("Download selected runs, long format (CSV)", export.selection_long(store, shown_ids)
                   .to_csv(index=False), "runs_long.csv", "text/csv", key="dl_long")
st.divider()
runs_charts.details(store, recs, labels)
