"""JSON shapes of users in the API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from wholeplace.auth.model import User


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    organisation_id: int
    organisation_name: str
    roles: list[str] = Field(description="Role codes: admin, finance, programme, analyst, key_worker, ...")
    role_names: list[str] = Field(description="The same roles as people say them: Administrator, Finance officer, ...")
    active: bool
    locked_until: dt.datetime | None
    must_change_password: bool
    last_signed_in_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        roles = sorted(user.roles)
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            organisation_id=user.organisation_id,
            organisation_name=user.organisation.name,
            roles=[role.value for role in roles],
            role_names=[role.label for role in roles],
            active=user.active,
            locked_until=user.locked_until,
            must_change_password=user.must_change_password,
            last_signed_in_at=user.last_signed_in_at,
            created_at=user.created_at,
        )


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    name: str
    organisation_identifier: str = Field(description="The partner's identifier, such as GB-LAE-ESS")
    roles: list[str] = Field(description="Role codes, at least one")


class UserCreated(UserOut):
    temporary_password: str = Field(
        description="Shown this once: give it to the user, who must choose their own password when they first sign in"
    )


class UserChangesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[str] | None = Field(default=None, description="The user's roles from now on (all of them)")
    active: bool | None = Field(default=None, description="false deactivates (every session ends), true reactivates")
    locked: Literal[False] | None = Field(
        default=None, description="false unlocks an account locked by wrong passwords"
    )
