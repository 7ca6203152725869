"""Numbers taken from a request's path or query, bounded by what the databases hold.

An id past 2^31 - 1 does not fit PostgreSQL's INTEGER and a page past 2^63 does not fit an SQL OFFSET: left
unbounded, both reached the database and came back as server errors. Bounded here, they are refused as bad
input (422) before any query runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from wholeplace.paging import MAX_PAGE_SIZE

LARGEST_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column

RecordId = Annotated[int, Path(ge=1, le=LARGEST_ID, description="The record's id")]
NumberInPath = Annotated[
    int, Path(ge=1, le=LARGEST_ID, description="A number in the path, such as a version's, from 1")
]
PageNumber = Annotated[int, Query(ge=1, le=LARGEST_ID, description="Page number, from 1")]
PageSize = Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows per page")]
