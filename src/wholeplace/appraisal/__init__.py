"""Business case appraisal: cost-benefit analysis of a case file (see README.md in this package)."""
