"""wholeplace: software for Whole Place Community Budgets."""

__version__ = "0.1.0"
