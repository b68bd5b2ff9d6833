"""What every experiment declares: its Config class, run function and page texts."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable



@dataclass(frozen=True)
class Experiment:
    """Registry entry for one phenomenon.

    `sweep_param`/`sweep_values` name the phenomenon's key axis (`more_sweeps` any others)
    and `sweep_metric` the final value plotted against it; `presets` are named sets of
    overrides (e.g. "paper scale").
    """

    name: str
    title: str
    config: type
    run: Callable[[Any, Any], None]
    what_to_look_for: str
    reference: str
    sweep_param: str
    sweep_values: tuple
    sweep_metric: str
    presets: dict[str, dict] = field(default_factory=dict)
    more_sweeps: dict[str, tuple] = field(default_factory=dict)  # other axes: param -> values

    def sweep_axes(self) -> dict[str, tuple]:
        """Every sweep axis, the key one first."""
        return {self.sweep_param: self.sweep_values, **self.more_sweeps}

    def make_config(self, **values: Any) -> Any:
        """A validated Config from (possibly string) values; see labcore.params.from_dict."""
        from labcore.params import from_dict

        return from_dict(self.config, values)
