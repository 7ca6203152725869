"""Every table, imported once so that metadata (migrations, tests) sees the whole schema."""

from __future__ import annotations


def import_all_models() -> None:
    from wholeplace import audit  # noqa: F401
    from wholeplace.appraisal import model as appraisal_model  # noqa: F401
    from wholeplace.auth import model as auth_model  # noqa: F401
    from wholeplace.cases import model as cases_model  # noqa: F401
    from wholeplace.decisions import model as decisions_model  # noqa: F401
    from wholeplace.funds import contributions as funds_contributions  # noqa: F401
    from wholeplace.funds import model as funds_model  # noqa: F401
    from wholeplace.linkage import model as linkage_model  # noqa: F401
    from wholeplace.outcomes import model as outcomes_model  # noqa: F401
    from wholeplace.partners import model as partners_model  # noqa: F401
    from wholeplace.section75 import model as section75_model  # noqa: F401
    from wholeplace.sharing import model as sharing_model  # noqa: F401
