"""Who may do what: roles, rights and the user record the dashboard works with.

Three roles: an **executive** reads; an **analyst** reads, edits and saves
models; an **auditor** reads the change log and takes exports. A person may
hold several roles. Rights are checked by the functions that act (saving,
exporting), not only by hiding pages.

How a user proves who they are is the dashboard's business (OpenID Connect
through ``st.login`` when configured, otherwise the single local user of the
machine); this module only maps an identity to roles.

Examples
--------
>>> user = user_from_identity("ana@example.com", name="Анна",
...                           role_table={"analyst": ["ana@example.com"]})
>>> sorted(user.roles), can(user, "edit"), can(user, "audit")
(['analyst'], True, False)
>>> require(user, "audit")
Traceback (most recent call last):
...
abc_costing.access.AccessDenied: Анна (ana@example.com) may not audit: needs the role auditor
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from abc_costing.i18n import N_
from abc_costing.problems import AbcCostingError

__all__ = [
    "ROLES",
    "RIGHTS",
    "Right",
    "User",
    "AccessDenied",
    "can",
    "require",
    "local_user",
    "user_from_identity",
]

Right = Literal["read", "edit", "audit"]

#: Every role, and the rights it carries.
RIGHTS: dict[str, frozenset[str]] = {
    "executive": frozenset({"read"}),
    "analyst": frozenset({"read", "edit"}),
    "auditor": frozenset({"read", "audit"}),
}
ROLES = tuple(RIGHTS)


class AccessDenied(AbcCostingError, PermissionError):
    """The user lacks the right for what was attempted."""


@dataclass(frozen=True)
class User:
    """A person using the tool.

    Attributes:
      id: stable identity recorded in the change log (e-mail, or OS login).
      name: how to greet them.
      roles: the roles they hold (may be empty: then they may do nothing).
      authenticated_by: ``oidc`` (proved through the identity provider),
        ``local`` (the single user of this machine, no log-in configured) or
        ``anonymous`` (a visitor of a server the operator opened without sign-in).
    """

    id: str
    name: str
    roles: frozenset[str]
    authenticated_by: Literal["oidc", "local", "anonymous"]

    @property
    def rights(self) -> frozenset[str]:
        """The union of the rights of the user's roles."""
        return frozenset().union(*(RIGHTS[role] for role in self.roles if role in RIGHTS))

    def __str__(self) -> str:
        return self.name if self.name == self.id else f"{self.name} ({self.id})"


def can(user: User, right: Right) -> bool:
    """Whether ``user`` holds ``right``."""
    return right in user.rights


def require(user: User, right: Right) -> None:
    """Raise :class:`AccessDenied` unless ``user`` holds ``right``."""
    if not can(user, right):
        needed = " or ".join(role for role, rights in RIGHTS.items() if right in rights)
        raise AccessDenied(N_("{user} may not {right}: needs the role {needed}", user=user,
                                right=right, needed=needed))


def local_user(login: str | None = None) -> User:
    """The single user of a machine where no log-in is configured: every role.

    The dashboard binds to 127.0.0.1 by default, so only this machine's user
    can reach it; the change log records their OS login.
    """
    login = login or getpass.getuser()
    return User(id=login, name=login, roles=frozenset(ROLES), authenticated_by="local")


def user_from_identity(
    email: str, *, name: str | None = None, role_table: Mapping[str, Iterable[str]]
) -> User:
    """An authenticated identity with the roles ``role_table`` gives its e-mail.

    ``role_table`` maps a role to the e-mails that hold it (case-insensitive),
    as in the ``[roles]`` table of ``.streamlit/secrets.toml``; ``"*"`` grants
    the role to every authenticated user.
    """
    wanted = email.strip().lower()
    roles = frozenset(
        role
        for role, members in role_table.items()
        if role in RIGHTS and any(m.strip().lower() in (wanted, "*") for m in members)
    )
    return User(id=email, name=name or email, roles=roles, authenticated_by="oidc")
