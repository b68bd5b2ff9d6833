"""Sidebar form generated from a Config's ParamSpecs, bound to URL query params.

Each widget's key is the parameter name and `bind="query-params"`, so the URL carries the
settings and a link reproduces the view. Streamlit silently drops a bound query value it
cannot use; we check the raw query params first so an out-of-range value gets a message
naming the parameter and its range.

Bad input never costs the page its Run button: a value a widget holds
that its spec refuses (a tuple typed or linked as `teacher=abc`) is one line naming the
parameter and its allowed form, and the default is used; a cross-field refusal (n_train +
n_test over a shared pool) is one line too, and the parameters it names fall back to their
defaults. The widgets keep what was typed, so nothing is lost.
"""
from __future__ import annotations

import math
import re
from typing import Any

import streamlit as st

from labcore.ui.access import plain

from labcore.core import catalogue, dataset_files
from labcore.core.params import ParamError, ParamSpec, format_value, from_dict, specs

CORE = ("width", "init", "lr", "seed")  # always shown first


def log_grid(spec: ParamSpec) -> list:
    """Options for a log-scale slider: 1-2-5 decades (and powers of two for ints) in range."""
    lo, hi = spec.lo, spec.hi
    values = set()
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            values.add(m * 10.0**e)
    if spec.type is int:
        values |= {2.0**k for k in range(0, 40)}
        values = {int(round(v)) for v in values if v >= 1}
    else:
        values = {float(f"{v:.6g}") for v in values}
    values |= {spec.default, spec.type(lo), spec.type(hi)}
    return sorted(v for v in values if lo <= v <= hi)


def url_errors(spec_list: list[ParamSpec]) -> list[str]:
    """Messages for query params that name a parameter but hold an invalid value (or are
    given more than once); Streamlit would drop such values silently."""
    return [message for messages in _url_problems(spec_list).values() for message in messages]


def _url_problems(spec_list: list[ParamSpec]) -> dict[str, list[str]]:
    """`url_errors` by parameter name."""
    errors: dict[str, list[str]] = {}
    for spec in spec_list:
        values = st.query_params.get_all(spec.name)
        if not values:
            continue
        if len(values) > 1:
            errors.setdefault(spec.name, []).append(
                f"URL: {spec.name} is given {len(values)} times; give it once "
                f"(using {format_value(spec.coerce_or_default(values[-1]))})")
        try:
            spec.coerce(values[-1])
        except ParamError as exc:
            errors.setdefault(spec.name, []).append(f"URL: {exc} (using {format_value(spec.default)})")
    return errors


def named(message: str, spec_list: list[ParamSpec]) -> list[ParamSpec]:
    """The parameters a one-line refusal is about: those named before its " is " (`name=...
    is out of range`, `a + b = ... is out of range`), in spec order."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", message.split(" is ")[0]))
    return [s for s in spec_list if s.name in words]


def settle(config_cls: type, values: dict[str, Any], spec_list: list[ParamSpec]
           ) -> tuple[Any | None, dict[str, str]]:
    """The Config of `values` and the lines to show, by parameter name ("" for a cross-field
    refusal): a value its spec refuses is replaced by the default; a cross-field refusal
    resets the parameters it names (then, if needed, all of them) to their defaults. The
    Config is None only when even the defaults are refused."""
    lines: dict[str, str] = {}
    values = dict(values)
    for spec in spec_list:
        try:
            values[spec.name] = spec.coerce(values[spec.name])
        except ParamError as exc:
            lines[spec.name] = f"{exc} (using {format_value(spec.default)})"
            values[spec.name] = spec.default
    try:
        return from_dict(config_cls, values), lines
    except ParamError as exc:
        first = str(exc)
    for reset in (named(first, spec_list), spec_list):
        try:
            cfg = from_dict(config_cls, {**values, **{s.name: s.default for s in reset}})
        except ParamError:
            continue
        using = ", ".join(f"{s.name}={format_value(s.default)}" for s in reset if values[s.name] != s.default)
        return cfg, {**lines, "": f"{first} (using {using or 'the defaults'})"}
    return None, {**lines, "": first}



def _pinned(spec: ParamSpec, key: str) -> list:
    """Valid values that must be selectable on a log grid: the one a preset put into
    st.session_state[key] and the one the URL carries."""
    out = []
    for raw in (st.session_state.get(key), st.query_params.get(spec.name)):
        if raw is None:
            continue
        try:
            out.append(spec.coerce(raw))
        except ParamError:  # reported by url_errors; the default is used
            pass
    return out


def _choice_label(value: Any) -> str:
    """A choice as the selectbox shows it: a registered file by its name, marked as yours."""
    if catalogue.is_file(value) and dataset_files.is_name(str(value)[len(catalogue.FILE_PREFIX):]):
        return f"{str(value)[len(catalogue.FILE_PREFIX):]} (your file)"
    return str(value)


def _widget(spec: ParamSpec, prefix: str) -> Any:
    label = spec.name + (f" [{spec.unit}]" if spec.unit else "")
    kw = dict(key=prefix + spec.name, help=spec.help or None, bind="query-params")
    if spec.choices is not None:  # a pattern choice ("file:*") is offered as the value a link or preset gave
        options = [c for c in spec.choices if not str(c).endswith("*")]
        if catalogue.FILES in spec.choices:  # and as each registered file, by name
            options += [v for v in dataset_files.choices() if v not in options]
        options += [v for v in _pinned(spec, prefix + spec.name) if v not in options]
        return st.selectbox(label, options, index=options.index(spec.default), format_func=_choice_label, **kw)
    if spec.type is bool:
        return st.checkbox(label, value=spec.default, **kw)
    if spec.type is str:
        return st.text_input(label, value=spec.default, **kw)
    if spec.type is tuple:  # typed as "10-15-20-25"; validated centrally by the spec
        return st.text_input(label, value=format_value(spec.default), **kw)
    if spec.log:
        # A select_slider silently falls back to its default when the value it is given (by a
        # preset through st.session_state, or by a link) is not one of its options: that is how
        # "epochs=60" showed 60 in the URL and trained 300. So every such value joins the grid.
        options = sorted(set(log_grid(spec)) | set(_pinned(spec, prefix + spec.name)))
        return st.select_slider(label, options=options, value=spec.default, **kw)
    if spec.lo is not None and spec.hi is not None and spec.hi - spec.lo <= 1000:
        step = 1 if spec.type is int else 10.0 ** math.floor(math.log10((spec.hi - spec.lo) / 100))
        return st.slider(label, spec.type(spec.lo), spec.type(spec.hi), spec.default, step=step, **kw)
    return st.number_input(label, min_value=spec.type(spec.lo), max_value=spec.type(spec.hi),
                           value=spec.default, **kw)


def config_form(config_cls: type, prefix: str = "") -> Any | None:
    """Draw the form in the sidebar; returns the validated Config (bad values replaced by
    defaults, each said in one line), or None when even the defaults are refused."""
    spec_list = specs(config_cls)
    url = _url_problems(spec_list)
    core = [s for s in spec_list if s.name in CORE]
    rest = [s for s in spec_list if s.name not in CORE and not s.advanced]
    advanced = [s for s in spec_list if s.advanced and s.name not in CORE]
    values = {}
    with st.sidebar:
        st.subheader("Settings")
        for spec in core + rest:
            values[spec.name] = _widget(spec, prefix)
        if advanced:
            with st.expander("Advanced"):
                for spec in advanced:
                    values[spec.name] = _widget(spec, prefix)
    cfg, lines = settle(config_cls, values, spec_list)
    # at the top of the page, where it is seen; a URL value is said once, not again as the
    # value of its widget (a text box keeps what the link carried)
    shown = [m for messages in url.values() for m in messages]
    shown += [line for name, line in lines.items() if name not in url]
    for message in shown:
        st.error(plain(message))
    return cfg
