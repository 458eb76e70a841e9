"""The account itself, its users, and the partner-integration answers (spec 4.13).

- :class:`Account`: ``GET /account.json``; it carries the ``api_token`` only when asked with
  an ``integration_token``.
- :class:`AccountCreated`: ``POST /account.json`` (partner sign-up). ``prefix`` and ``login``
  may differ from those asked for when taken.
- :class:`User`: ``POST /account/add_user.json`` and ``POST /users.json``.
- :class:`LoginResult`: ``POST https://app.{domain}/login.json``.

Every ``api_token`` here is a :class:`~invoceanio.secrets.Secret` (masked in repr, str and
logs); ``to_wire`` writes the real value, since what it returns is what a request sends. A
token may carry the account prefix after a slash (``XXXX/prefix``): it is kept whole.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Unset, masked
from invoceanio.secrets import Secret

__all__ = ["Account", "AccountCreated", "LoginResult", "User", "UserDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Account(Model):
    id: int | None = None
    prefix: str | None = None
    name: str | None = None
    url: str | None = None
    lang: str | None = None
    currency: str | None = None
    invoice_description: str | None = None
    #: Only when the request carried an ``integration_token``.
    api_token: Secret | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True, repr=False)
class AccountCreated(Model):
    """What a partner sign-up returns. ``api_token`` is required: an answer without it is a
    decode error, not an account nobody can reach."""

    api_token: Secret
    prefix: str | None = None
    url: str | None = None
    login: str | None = None
    email: str | None = None


@attrs.frozen(kw_only=True, repr=False)
class User(Model):
    id: int | None = None
    login: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    #: "member", "admin", "accountant", or a custom role ("role_1234"; the id 1234 reads as "1234").
    role: str | None = None
    department_ids: tuple[int, ...] = ()
    invite: bool | None = None
    #: The user's own token, when the answer carries one.
    api_token: Secret | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True, repr=False)
class LoginResult(Model):
    login: str | None = None
    email: str | None = None
    prefix: str | None = None
    url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    api_token: Secret | None = None


@attrs.define(kw_only=True)
class UserDraft(Draft):
    """A user to add (``add_user``: ``invite=True`` e-mails an invitation instead of setting a
    password). ``password`` may be a str or a :class:`Secret`; its real value is sent."""

    login: str | Unset = UNSET
    email: str | Unset = UNSET
    password: Secret | Unset | None = attrs.field(default=UNSET, converter=masked)
    first_name: str | Unset | None = UNSET
    last_name: str | Unset | None = UNSET
    invite: bool | Unset = UNSET
    #: "member", "admin", "accountant", "role_1234", or the custom role's id.
    role: str | int | Unset = UNSET
    department_ids: list[int] | Unset = UNSET
    #: Partner account creation (spec 4.13): the owner comes from the partner.
    from_partner: bool | Unset = UNSET
