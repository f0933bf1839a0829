"""Who a single sign-on identity is here: the local account of the same e-mail address, else a viewer."""

from __future__ import annotations

from analytics import accounts


def sso_user(con, email: str, name: str | None = None) -> accounts.User:
    """The organisation's identity as a user: an enabled local account named by the e-mail lends its role;
    anyone else may view."""
    email = str(email)
    found = accounts.users(con)
    match = found[(found["username"] == email.lower()) & ~found["disabled"]]
    role = match.iloc[0]["role"] if len(match) else "viewer"
    return accounts.User(email, str(name or email), role)
