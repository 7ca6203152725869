"""Routes of one part of casework (see cases/routes.py); empty until that part lands."""

from __future__ import annotations

from fastapi import APIRouter

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["casework"])
