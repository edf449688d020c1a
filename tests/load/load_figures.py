"""The figures the load tests measured, printed by this folder's conftest at the end of the run."""

FIGURES: list[str] = []
