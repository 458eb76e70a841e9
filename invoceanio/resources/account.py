"""``io.account``: the account itself, its users, and the partner calls (spec 4.13).

Two calls go to the brand's ``app`` host rather than the account, and carry no API token: the
login (exchange a web login and password for the account's URL and token) and the creation of a
user. The partner calls need an ``integration_token`` (a secret the vendor e-mails partners);
like the API token it is held in a :class:`Secret` and sent in bodies, never in a URL, except
for ``get``, where the API reads it from the query (and every URL shown anywhere is redacted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from invoceanio.core import ApiCore, Host
from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.hosts import check_prefix
from invoceanio.http import Request
from invoceanio.middleware.auth import CredentialScrubber
from invoceanio.models.account import Account, AccountCreated, LoginResult, User
from invoceanio.models.base import Draft, Model
from invoceanio.resources.base import (
    WriteData,
    as_document,
    as_list,
    check_flag,
    check_id,
    check_ids,
    check_key,
)
from invoceanio.secrets import Secret, unsendable

__all__ = ["AccountService"]

ModelT = TypeVar("ModelT")

_ROLES = frozenset({"member", "admin", "accountant"})


def _reveal(value: str | Secret | None, name: str) -> str:
    if isinstance(value, Secret):
        value = value.reveal()
    text = check_key(value, name)
    problem = unsendable(text)
    if problem is not None:
        raise ConfigurationError(f"{name} {problem}")
    return text


def _section(data: WriteData | None, name: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Draft | Model | Mapping):
        raise ConfigurationError(f"{name} must be a dict (or a draft), got {type(data).__name__}")
    # as_document: a value that cannot be written (NaN, UNSET in a list, nesting past the
    # interpreter's limit) is a ConfigurationError, as in every other write.
    return as_document(data, name)


def _as_secret(value: object) -> Secret | None:
    return Secret(value) if isinstance(value, str) and value else None


class AccountService:
    collection = "account"

    def __init__(self, core: ApiCore) -> None:
        self._core = core

    def _call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, **options: Any
    ) -> Request:
        return self._core.build(method, path, body=body, xml_form=False, **options)

    async def _answer(
        self, request: Request, model: type[ModelT], *credentials: str | Secret | None
    ) -> ModelT:
        """Send ``request`` and read its answer into ``model``. The call's own credentials (a
        password, an integration token) are masked in any error, as the API token is: a server
        that quotes the request back in an error would otherwise put them in ``str(exc)``."""
        secrets = (
            Secret(value)
            for value in credentials
            if isinstance(value, Secret) or (isinstance(value, str) and value)
        )
        with CredentialScrubber(secrets):
            return self._core.to_model(request, await self._core.call(request), model)

    @endpoint("GET", "account", suffix="json", note="`integration_token=` adds the api_token")
    async def get(self, integration_token: str | Secret | None = None) -> Account:
        """The account (its prefix, name, URL...). With the partner's ``integration_token`` the
        answer also carries the account's API token (as a :class:`Secret`)."""
        params = []
        if integration_token is not None:
            params.append(("integration_token", _reveal(integration_token, "integration_token")))
        request = self._call("GET", "account", params=params)
        del params  # revealed: no local of a frame that may raise holds it (see _answer)
        return await self._answer(request, Account, integration_token)

    @endpoint("POST", "account", suffix="json", note="partner: a new account, owner and company")
    async def create(
        self,
        *,
        integration_token: str | Secret,
        account: WriteData | None = None,
        user: WriteData | None = None,
        company: WriteData | None = None,
    ) -> AccountCreated:
        """Create an account (partner integration): ``account`` (prefix, lang...), its owner
        ``user`` (login, email, password) and ``company`` (name, tax_no, address...). The prefix
        and login in the answer may differ from those asked for when they were taken."""
        return await self._create("account", integration_token, account, user, company)

    @endpoint("POST", "account", suffix="json", host="app", note="partner; as `create()`")
    async def create_on_app_host(
        self,
        *,
        integration_token: str | Secret,
        account: WriteData | None = None,
        user: WriteData | None = None,
        company: WriteData | None = None,
    ) -> AccountCreated:
        """:meth:`create`, sent to the brand's app host (``https://app.invoiceocean.com/
        account.json``), the address the partner docs ([SEED0]) give; :meth:`create` sends to
        the partner's own account, as [PL] and [FR] do. Both carry the client's API token."""
        return await self._create("app", integration_token, account, user, company)

    async def _create(
        self,
        host: Host,
        integration_token: str | Secret,
        account: WriteData | None,
        user: WriteData | None,
        company: WriteData | None,
    ) -> AccountCreated:
        owner = _section(user, "user")
        body = {
            "account": _section(account, "account"),
            "user": owner,
            "company": _section(company, "company"),
            "integration_token": _reveal(integration_token, "integration_token"),
        }
        body = {key: value for key, value in body.items() if value != {}}
        # A second account is worse than an error: never re-sent once it may have arrived.
        request = self._call("POST", "account", body, host=host)
        # Masked in a helper: written out, the caller's Secret is plain text in ``owner``.
        password = _as_secret(owner.get("password"))
        del body, owner  # revealed: see _answer
        return await self._answer(request, AccountCreated, integration_token, password)

    @endpoint("POST", "account/delete", suffix="json", note="sends a confirmation e-mail")
    async def delete(self) -> dict[str, Any]:
        """Ask for the account's deletion: the service e-mails a confirmation link."""
        request = self._call("POST", "account/delete", {}, idempotent=True)
        result = await self._core.call(request)
        return result if isinstance(result, dict) else {}

    @endpoint("PATCH", "account/unlink", suffix="json", note="`prefix`: one or a list")
    async def unlink(self, prefixes: str | Sequence[str]) -> dict[str, Any]:
        """Unlink accounts (by prefix) from this partner account. Answers
        ``{"result": {"unlinked": [...], "not_unlinked": [...]}}``; a ValidationError when none
        could be unlinked. A prefix is the account's subdomain (a DNS label)."""
        names = [check_prefix(prefix) for prefix in as_list(prefixes, "prefixes")]
        if not names:
            raise ConfigurationError("give at least one prefix to unlink")
        body = {"prefix": names[0] if isinstance(prefixes, str) else names}
        # Not re-sent: after an unlink that landed unanswered, a second one finds nothing left
        # to unlink and is answered 422 ("Brak kont do odłączenia"), which would report the
        # unlink that worked as a failure. An unknown outcome is said as such instead.
        request = self._call("PATCH", "account/unlink", body, idempotent=False)
        result = await self._core.call(request)
        return result if isinstance(result, dict) else {}

    @endpoint("POST", "account/add_user", suffix="json")
    async def add_user(
        self,
        *,
        integration_token: str | Secret,
        email: str,
        role: str | int = "member",
        password: str | Secret | None = None,
        invite: bool | None = None,
        department_ids: Iterable[int | str] | int | None = None,
    ) -> User:
        """Add a user to the account: ``role`` is ``member``, ``admin``, ``accountant`` or a
        custom role (``role_1234`` or its number 1234)."""
        if isinstance(role, bool) or not isinstance(role, str | int):
            text = ""
        else:  # a role's number as an id: str() of more than 4300 digits would raise
            text = role if isinstance(role, str) else check_id(role, "a role id")
        number = text.removeprefix("role_")
        if text not in _ROLES and not (number.isascii() and number.isdigit()):
            raise ConfigurationError(
                f"role must be member, admin, accountant or a role id, got {role!r}"
            )
        user: dict[str, Any] = {"email": check_key(email, "email"), "role": role}
        if password is not None:
            user["password"] = _reveal(password, "password")
        invited = check_flag(invite, "invite")  # "no" would be true to the API
        if invited is not None:
            user["invite"] = invited
        if department_ids is not None:
            # Each checked as an id: int(1.7) would silently name department 1.
            ids = check_ids(department_ids, "department_ids")
            user["department_ids"] = [int(item) for item in ids]
        body = {"integration_token": _reveal(integration_token, "integration_token"), "user": user}
        request = self._call("POST", "account/add_user", body)
        del body, user  # revealed: see _answer
        return await self._answer(request, User, integration_token, password)

    @endpoint("POST", "login", suffix="json", host="app", note="no api_token sent")
    async def login(
        self,
        login: str,
        password: str | Secret,
        integration_token: str | Secret | None = None,
    ) -> LoginResult:
        """Exchange a web login and password for the account's prefix, URL and (if the user has
        generated one) API token. Sent to the brand's app host without the client's token.
        Build a client from the answer with :meth:`InvoiceOcean.from_login`, which checks the
        URL before any token goes to it."""
        body: dict[str, Any] = {
            "login": check_key(login, "login"),
            "password": _reveal(password, "password"),
        }
        if integration_token is not None:
            body["integration_token"] = _reveal(integration_token, "integration_token")
        request = self._call("POST", "login", body, host="app", authenticate=False, idempotent=True)
        del body  # revealed: see _answer
        return await self._answer(request, LoginResult, password, integration_token)

    @endpoint("POST", "users", suffix="json", host="app", note="partner; no api_token sent")
    async def create_user(
        self,
        *,
        integration_token: str | Secret,
        email: str,
        password: str | Secret,
        fields: WriteData | None = None,
    ) -> User:
        """Create a user (partner integration), on the brand's app host."""
        user = {
            **_section(fields, "fields"),
            "email": check_key(email, "email"),
            "password": _reveal(password, "password"),
        }
        body = {"user": user, "integration_token": _reveal(integration_token, "integration_token")}
        request = self._call("POST", "users", body, host="app", authenticate=False)
        del body, user  # revealed: see _answer
        return await self._answer(request, User, integration_token, password)
