"""Roles and rights."""

from __future__ import annotations

import pytest

from abc_costing.access import ROLES, AccessDenied, can, local_user, require, user_from_identity

TABLE = {
    "executive": ["boss@example.com"],
    "analyst": ["Ana@Example.com", "both@example.com"],
    "auditor": ["audit@example.com", "both@example.com"],
}


@pytest.mark.parametrize(
    ("email", "roles", "rights"),
    [
        ("boss@example.com", {"executive"}, {"read"}),
        ("ana@example.com", {"analyst"}, {"read", "edit"}),  # e-mails compare case-insensitively
        ("audit@example.com", {"auditor"}, {"read", "audit"}),
        ("both@example.com", {"analyst", "auditor"}, {"read", "edit", "audit"}),
        ("stranger@example.com", set(), set()),
    ],
)
def test_roles_come_from_the_role_table(email, roles, rights):
    user = user_from_identity(email, role_table=TABLE)
    assert set(user.roles) == roles and set(user.rights) == rights
    assert user.authenticated_by == "oidc" and user.id == email


def test_star_grants_a_role_to_every_signed_in_user():
    user = user_from_identity("anyone@example.com", role_table={"executive": ["*"]})
    assert user.roles == {"executive"}


def test_the_local_user_holds_every_role():
    user = local_user("ivan")
    assert user.id == "ivan" and set(user.roles) == set(ROLES)
    assert all(can(user, right) for right in ("read", "edit", "audit"))


def test_require_refuses_with_the_role_needed():
    executive = user_from_identity("boss@example.com", name="Босс", role_table=TABLE)
    require(executive, "read")
    with pytest.raises(AccessDenied, match="Босс \\(boss@example.com\\) may not edit: needs "
                                           "the role analyst"):
        require(executive, "edit")
