"""The staff principal as a request dependency: a staff member holding the one role a route names."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.deps import SessionDep, SettingsDep
from gateway.domains.staff import service as staff
from gateway.domains.staff.service import StaffPrincipal
from gateway.problems import Forbidden, Unauthorized
from gateway.routing import end_transaction

_staff_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="StaffToken",
    description="A staff member's token (gws_...); each operation names the one role it needs.",
)


class RoleCheck:
    """A staff member holding `role` (least privilege: each route names the one role it needs)."""

    def __init__(self, role: str) -> None:
        if role not in staff.ROLES:
            raise ValueError(f"unknown staff role {role!r}; add it to gateway/domains/staff/service.py ROLES first")
        self.role = role

    def __call__(
        self,
        session: SessionDep,
        settings: SettingsDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_staff_bearer)],
    ) -> StaffPrincipal:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise Unauthorized("send 'Authorization: Bearer <staff token>'", headers=challenge)
        given = credentials.credentials
        admin = settings.admin_token.get_secret_value() if settings.admin_token else ""
        if admin and hmac.compare_digest(given.encode(), admin.encode()):
            return StaffPrincipal(staff.SUPERUSER, frozenset(staff.ROLES))
        principal = staff.authenticate(session, given, settings.credential_pepper.get_secret_value())
        end_transaction(session)  # no connection held across thread turns (gateway/routing.py)
        if principal is None:
            raise Unauthorized("the staff token is unknown or revoked", headers=challenge)
        if self.role not in principal.roles:
            raise Forbidden(f"staff member {principal.name} lacks the role {self.role!r}")
        return principal


def staff_role(role: str) -> Any:
    """A dependency: a staff member holding `role`; the OpenAPI operation names the role (OpenAPI 3.1 allows role
    names in the security requirement of a non-OAuth2 scheme)."""
    return Security(RoleCheck(role), scopes=[role])
