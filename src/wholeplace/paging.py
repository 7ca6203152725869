"""Pages of a list, for every list endpoint and page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from wholeplace.problems import InvalidInput, Problem

T = TypeVar("T")
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, statement: Select[Any], *, page: int, page_size: int) -> Page[Any]:
    if page < 1:
        raise InvalidInput([Problem("page", "Page must be 1 or more")])
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput([Problem("page_size", f"Page size must be between 1 and {MAX_PAGE_SIZE}")])
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    items = session.scalars(statement.limit(page_size).offset((page - 1) * page_size)).unique().all()
    return Page(items, page, page_size, total)


class PageOut(BaseModel, Generic[T]):
    """A page of a list in the API: the items and where they sit in the whole."""

    items: list[T]
    page: int
    page_size: int
    total: int
    pages: int
    has_next: bool

    @classmethod
    def of(cls, page: Page[object], items: list[T]) -> PageOut[T]:
        return cls(
            items=items,
            page=page.page,
            page_size=page.page_size,
            total=page.total,
            pages=page.pages,
            has_next=page.has_next,
        )
