"""Demo step: the three accounts people sign in with to try engage."""

from __future__ import annotations

from engage.auth.accounts import create_user, find_user
from engage.auth.models import Role
from engage.demo.context import DemoContext

# Published in the README and printed by `flask demo logins`: for demonstrations only.
DEMO_PASSWORD = "engage-demo-password"  # noqa: S105
DEMO_USERS = (
    ("admin@example.org", Role.ADMIN, "Demo Administrator"),
    ("manager@example.org", Role.MANAGER, "Demo Project Manager"),
    ("steering@example.org", Role.STEERING, "Demo Steering Group Member"),
)


def demo_users(ctx: DemoContext) -> str:
    """Create the demo accounts that are missing; existing accounts are left exactly as they are."""
    added = []
    for email, role, name in DEMO_USERS:
        if find_user(ctx.session, email) is None:
            create_user(ctx.session, email, DEMO_PASSWORD, role, name=name)
            added.append(email)
    if not added:
        return "Demo users: already there."
    return f"Demo users: added {', '.join(added)}."
