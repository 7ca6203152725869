"""Casework's pages and /api/v1 routes, gathered from the module of each part."""

from __future__ import annotations

from fastapi import APIRouter

from wholeplace.cases import assessment_routes, case_routes, gateway_routes, plan_routes, rights_routes

# The case page, /cases/{case_id}, comes last: its pattern would otherwise take /cases/gateway and the like.
PARTS = (gateway_routes, assessment_routes, plan_routes, rights_routes, case_routes)

pages = APIRouter(include_in_schema=False)
api = APIRouter()
for part in PARTS:
    pages.include_router(part.pages)
    api.include_router(part.api)
