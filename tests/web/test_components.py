"""Our table and tag give the markup of GOV.UK Frontend's own macros, for any parameters our pages pass."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from wholeplace.web.components import govuk_table, govuk_tag
from wholeplace.web.templating import TEMPLATE_DIRS, templates

LIBRARY = templates.env.from_string(
    '{% from "govuk_frontend_jinja/components/table/macro.html" import govukTable %}'
    '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'
    "{% if kind == 'table' %}{{ govukTable(params) }}{% else %}{{ govukTag(params) }}{% endif %}"
)

# Text as people type it, HTML's own characters among it.
words = st.text(alphabet=st.sampled_from(list("ab <>&\"'é£1")), max_size=12)
html = words.map(lambda text: Markup(f'<a class="govuk-link" href="/x">{Markup.escape(text)}</a>'))
classes = st.none() | st.sampled_from(["govuk-!-width-one-half", "govuk-tag--red", "wp-nowrap x"])
cell = st.fixed_dictionaries(
    {},
    optional={
        "text": words | st.integers(-5, 5) | st.none(),
        "html": html | st.just(""),
        "format": st.sampled_from(["numeric", "", None]),
        "classes": classes,
        "colspan": st.integers(1, 3) | st.none(),
        "rowspan": st.integers(1, 3) | st.none(),
    },
)
table = st.fixed_dictionaries(
    {"rows": st.lists(st.lists(cell, max_size=4), max_size=4)},
    optional={
        "caption": words | html,
        "captionClasses": classes,
        "classes": classes,
        "firstCellIsHeader": st.booleans(),
        "head": st.lists(cell, max_size=4),
    },
)
tag = st.fixed_dictionaries({}, optional={"text": words, "html": html, "classes": classes})


def same_markup(markup: str) -> str:
    """Whitespace between and at the edges of elements, where the macros' indentation puts it, does not count."""
    return re.sub(r"\s+<", "<", re.sub(r">\s+", ">", str(markup))).strip()


@settings(max_examples=300, deadline=None)
@given(table)
def test_a_table_is_the_librarys_table(params: dict[str, Any]) -> None:
    assert same_markup(govuk_table(params)) == same_markup(LIBRARY.render(kind="table", params=params))


@settings(max_examples=200, deadline=None)
@given(tag)
def test_a_tag_is_the_librarys_tag(params: dict[str, Any]) -> None:
    assert same_markup(govuk_tag(params)) == same_markup(LIBRARY.render(kind="tag", params=params))


def test_a_fund_statement_table_renders_as_it_reads() -> None:
    rendered = govuk_table(
        {
            "caption": "Contributions <2013/14>",
            "captionClasses": "govuk-table__caption--m",
            "firstCellIsHeader": True,
            "head": [{"text": "Partner"}, {"text": "Amount", "format": "numeric"}],
            "rows": [[{"text": "Essex & Southend", "format": "numeric"}, {"text": "£1,000.00", "format": "numeric"}]],
        }
    )
    assert str(rendered) == (
        '<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">'
        "Contributions &lt;2013/14&gt;</caption>"
        '<thead class="govuk-table__head"><tr class="govuk-table__row">'
        '<th scope="col" class="govuk-table__header">Partner</th>'
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Amount</th></tr></thead>'
        '<tbody class="govuk-table__body"><tr class="govuk-table__row">'
        '<th scope="row" class="govuk-table__header">Essex &amp; Southend</th>'
        '<td class="govuk-table__cell govuk-table__cell--numeric">£1,000.00</td></tr></tbody></table>'
    )


def test_attributes_are_refused_rather_than_dropped() -> None:
    with pytest.raises(ValueError, match="takes no attributes"):
        govuk_table({"rows": [[{"text": "x", "attributes": {"data-x": "1"}}]]})


def test_no_page_imports_the_librarys_slower_table_or_tag() -> None:
    pages = [path for directory in TEMPLATE_DIRS for path in Path(directory).rglob("*.html")]
    using = [path for path in pages if re.search(r"govuk(Table|Tag)\(", path.read_text())]
    assert (len(pages), len(using)) == (104, 34)  # every page template, and those with a table or a tag
    assert [path.name for path in using if re.search(r"components/(table|tag)/macro", path.read_text())] == []
