"""Runs: browse, filter, compare, group seeds, export and delete every stored run."""
import urllib.parse

import streamlit as st

from labcore.runs import analysis
from labcore.runs import export
from labcore.runs import plots
from labcore.runs.store import FINISHED
from labcore.ui import access, artifacts, state

st.title("Runs")
store = state.store()
records = store.runs()
access.token_box()
st.caption(f"Store `{access.where(store.dir)}`: {store.size_bytes() / 1e6:.1f} MB of {store.budget_bytes / 1e6:.0f} MB "
           f"budget · {len(records)} runs. Past the budget the oldest finished runs are removed.")
if not records:
    st.info("No runs yet: open a phenomenon page and press Run.")
    st.stop()

# ---- table with filters --------------------------------------------------------------
table = analysis.runs_table(records)
f1, f2 = st.columns(2)
exps = f1.multiselect("Experiment", sorted(table["experiment"].unique()), key="f_exp")
stats = f2.multiselect("Status", sorted(table["status"].unique()), key="f_status")
mask = table["experiment"].isin(exps or table["experiment"]) & table["status"].isin(stats or table["status"])
shown = table[mask].reset_index(drop=True)


def _take_table_selection() -> None:
    """Rows ticked in the table become the compared runs (the multiselect below)."""
    rows = st.session_state["runs_table"].selection.rows
    st.session_state["runs"] = [st.session_state["_shown_ids"][i] for i in rows]


st.session_state["_shown_ids"] = list(shown["run_id"])
st.dataframe(shown, key="runs_table", on_select=_take_table_selection, selection_mode="multi-row",
             hide_index=True, column_config={"progress": st.column_config.ProgressColumn(
                 "progress", min_value=0, max_value=100, format="%.0f%%")})
st.download_button("Download runs table (CSV)", shown.to_csv(index=False), "runs.csv", "text/csv",
                   key="dl_table")
labels = {r["id"]: f"{r['id']} · {analysis.settings_label(r)} · {r['status']}" for r in records}
selected = st.multiselect("Compare runs (tick rows in the table, or pick here; the URL keeps them)",
                          list(labels), format_func=labels.get, key="runs", bind="query-params")
if not selected:
    st.stop()

# ---- overlay -------------------------------------------------------------------------
long = export.selection_long(store, selected)
metric_cols = [c for c in long.columns if c not in ("run_id", "label", "group", "step")
               and not c.startswith("cfg_")]
c1, c2, c3, c4, c5 = st.columns([3, 2, 1, 1, 2])
metric = c1.selectbox("Metric", metric_cols, key="metric") if metric_cols else None
smooth = c2.slider("Smoothing (points)", 1, 50, 1, key="smooth")
log_x = c3.toggle("log x", key="log_x")
log_y = c4.toggle("log y", key="log_y")
group = c5.toggle("Group seeds (mean ± std)", key="group_seeds")
if metric:
    if group:
        band = analysis.seed_bands(long, [metric], by="group").rename(columns={"group": "label"})
        fig = plots.bands(band, [metric], f"{metric} (mean ± std over seeds)", log_y=log_y)
    else:
        long = long.assign(label=[f"{rid} seed={s}" for rid, s in zip(long["run_id"], long["cfg_seed"])]
                           if "cfg_seed" in long else long["run_id"])
        fig = plots.curves(long, [metric], metric, log_y=log_y, smooth=smooth)
    if log_x:
        fig.update_xaxes(type="log")
    st.plotly_chart(fig, width="stretch", key="overlay")
st.download_button("Download selected runs, long format (CSV)", long.to_csv(index=False),
                   "runs_long.csv", "text/csv", key="dl_long")

# ---- per run ---------------------------------------------------------------------------
for rid in selected:
    rec = store.get(rid)
    with st.expander(f"{rid} · {analysis.settings_label(rec)} · {rec['status']}"):
        if rec.get("error"):
            st.error(access.plain(access.error_detail(rec["error"]) if rec["status"] != "diverged" else
                                  f"diverged at step {rec['diverged_step']}: {rec['error']}"))
        query = urllib.parse.urlencode({k: analysis.show(v) for k, v in rec["overrides"].items()})
        st.markdown(f"[Open on the {rec['experiment']} page with these settings](/{rec['experiment']}?{query})")
        st.json(rec["config"], expanded=False)
        artifacts.draw(store, rec, key=f"art_{rid}")
        st.download_button("Download metrics (CSV)", store.metrics(rid).to_csv(index=False),
                           f"{rid}_metrics.csv", "text/csv", key=f"dl_{rid}")

# ---- delete ----------------------------------------------------------------------------
finished = [rid for rid in selected if store.get(rid)["status"] in FINISHED]
if st.button(f"Delete {len(finished)} selected finished run(s)", disabled=not finished or not access.can_act(),
             key="delete", help=access.why_not() or None) and access.can_act():
    for rid in finished:
        store.delete(rid)
    st.rerun()
