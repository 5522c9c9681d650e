"""Role administration over the official auth0-python SDK."""

from __future__ import annotations

from auth0.management import ManagementClient


def ensure_role(sdk: ManagementClient, name: str, description: str) -> str:
    """The id of the role called ``name``, created if absent."""
    for role in sdk.roles.list(name_filter=name):
        if role.name == name:
            return str(role.id)
    created = sdk.roles.create(name=name, description=description)
    return str(created.id)
