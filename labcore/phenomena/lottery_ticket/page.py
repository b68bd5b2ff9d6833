"""Page text of the lottery-ticket phenomenon (kept apart so __init__ stays short)."""
from __future__ import annotations

REFERENCE = ("Frankle & Carbin 2019, *The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural "
             "Networks*, ICLR; late rewinding: Frankle, Dziugaite, Roy & Carbin 2020, *Linear Mode "
             "Connectivity and the Lottery Ticket Hypothesis*, ICML.")

PAGE_TEXT = "(measured numbers follow)"
