"""Account, user and login calls (spec §4.13), as the sandbox plays them.

- ``GET /account.json``: the account (``prefix`` from the sandbox token's ``/prefix`` part, else
  ``"sandbox"``); ``api_token`` only with a non-blank ``integration_token``.
- ``POST /account.json`` (``account``, ``user``, ``company``, ``integration_token``): 201
  ``{prefix, api_token, url, login, email}``; a taken prefix or login gets a ``-2``... suffix. The
  new account's token is recorded, but requests are still authorised by the sandbox token only.
- ``POST /account/delete.json``: ``{"code":"success","message":"Link do usunięcia konta
  wysłany!"}``.
- ``PATCH /account/unlink.json`` (``prefix``: one or a list): unlinks accounts created here;
  ``{"code":"success",...,"result":{"unlinked":[...],"not_unlinked":[...]}}``, or 422 ``"Brak kont
  do odłączenia"`` when none was.
- ``POST /account/add_user.json`` (``integration_token``, ``user``): 201 and the user.
- ``POST /login.json`` and ``POST /users.json`` need no ``api_token`` (app host calls): login
  answers a user's profile, with ``api_token`` only when the user has one (the sandbox token's
  password, or a user created with an account); ``users.json`` needs an ``integration_token``.

``integration_token`` is a partner secret the vendor e-mails; the sandbox takes any non-blank one.
A missing one is 422 ``{"integration_token": ["can't be blank"]}`` (401 on ``users.json``, which
has no other credential).
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox.clients import now_text
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import STORE, TOKEN, ApiError, flag, integer, read_plain, reply

__all__ = ["COLLECTION", "OPEN_ROUTES", "USERS", "account_prefix", "routes"]

COLLECTION: Final = "accounts"
USERS: Final = "users"
#: The app-host calls that answer without an API token (they are how one gets a token).
OPEN_ROUTES: Final = frozenset({"login", "users.register"})
_FMT: Final = "{fmt:json|xml}"
_ROLES: Final = re.compile(r"member|admin|accountant|role_[0-9]{1,9}|[0-9]{1,9}")
_UNAUTHORIZED: Final = "You must be logged in to gain access to the site"


def _users(store: Store) -> list[dict[str, Any]]:
    store.register(USERS)
    return store.all(USERS)


def account_prefix(request: web.Request) -> str:
    """The sandbox account's prefix, which is also its name (``GET /account.json``)."""
    token = request.app[TOKEN]
    return token.partition("/")[2] or "sandbox"


def _url(request: web.Request, prefix: str | None = None) -> str:
    return f"{request.scheme}://{request.host}"


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ApiError.field(field, "is invalid")


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError.field(name, "is invalid")
    return value


def _integration(body: dict[str, Any], request: web.Request) -> str:
    token = _text(body.get("integration_token"), "integration_token")
    token = token or request.query.get("integration_token", "").strip()
    if not token:
        raise ApiError.field("integration_token", "can't be blank")
    return token


def _free(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in user.items() if key != "password"}


def _new_user(store: Store, fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    email = _text(fields.get("email"), "user.email")
    if not email:
        raise ApiError.field("user.email", "can't be blank")
    users = _users(store)
    if any(user.get("email") == email for user in users):
        raise ApiError.field("user.email", "has already been taken")
    login = _text(fields.get("login"), "user.login") or email.partition("@")[0]
    stamp = now_text()
    user: dict[str, Any] = {
        "id": store.new_id(USERS),
        "login": _free(login, {str(u.get("login")) for u in users}),
        "email": email,
        "first_name": _text(fields.get("first_name"), "user.first_name"),
        "last_name": _text(fields.get("last_name"), "user.last_name"),
        "password": _text(fields.get("password"), "user.password"),
        "api_token": None,
        "created_at": stamp,
        "updated_at": stamp,
        **extra,
    }
    return store.add(USERS, user)


async def get_account(request: web.Request) -> web.Response:
    prefix = account_prefix(request)
    account: dict[str, Any] = {
        "prefix": prefix,
        "name": prefix,
        "url": _url(request),
        "lang": "pl",
        "currency": "PLN",
    }
    if request.query.get("integration_token", "").strip():
        account["api_token"] = request.app[TOKEN]
    return reply(request, account, root="account")


async def create_account(request: web.Request) -> web.Response:
    store = request.app[STORE]
    body = await read_plain(request)
    _integration(body, request)
    account, user, company = (_section(body, n) for n in ("account", "user", "company"))
    taken = {str(a.get("prefix")) for a in store.all(COLLECTION)} | {account_prefix(request)}
    wanted = _text(account.get("prefix"), "account.prefix") or f"account{len(taken)}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", wanted):
        raise ApiError.field("account.prefix", "is invalid")
    prefix = _free(wanted, taken)
    api_token = f"{secrets.token_urlsafe(15)}/{prefix}"
    owner: dict[str, Any] = {"id": None, "login": None, "email": None}
    if user:
        owner = _new_user(store, user, api_token=api_token, prefix=prefix)
    stamp = now_text()
    store.add(
        COLLECTION,
        {
            "id": store.new_id(COLLECTION),
            "prefix": prefix,
            "api_token": api_token,
            "user_id": owner["id"],
            "company": {str(k): _text(v, f"company.{k}") for k, v in company.items()},
            "lang": _text(account.get("lang"), "account.lang") or "pl",
            "created_at": stamp,
        },
    )
    answer = {
        "prefix": prefix,
        "api_token": api_token,
        "url": _url(request, prefix),
        "login": owner["login"],
        "email": owner["email"],
    }
    return reply(request, answer, root="account", status=201)


async def delete_account(request: web.Request) -> web.Response:
    answer = {"code": "success", "message": "Link do usunięcia konta wysłany!"}
    return reply(request, answer, root="result")


async def unlink(request: web.Request) -> web.Response:
    store = request.app[STORE]
    body = await read_plain(request)
    given = body.get("prefix")
    prefixes = given if isinstance(given, list) else [given]
    wanted = [p for p in (_text(p, "prefix") for p in prefixes) if p]
    if not wanted:
        raise ApiError.field("prefix", "can't be blank")
    linked = {str(a["prefix"]): a for a in store.all(COLLECTION)}
    unlinked = [p for p in wanted if p in linked]
    not_unlinked = [p for p in wanted if p not in linked]
    for prefix in unlinked:
        store.delete(COLLECTION, linked[prefix]["id"])
    if not unlinked:
        answer: dict[str, Any] = {
            "code": "error",
            "message": "Brak kont do odłączenia",
            "result": {"not_unlinked": not_unlinked},
        }
        return reply(request, answer, root="result", status=422)
    answer = {
        "code": "success",
        "message": "Konta odłączone",
        "result": {"unlinked": unlinked, "not_unlinked": not_unlinked},
    }
    return reply(request, answer, root="result")


async def add_user(request: web.Request) -> web.Response:
    store = request.app[STORE]
    body = await read_plain(request)
    _integration(body, request)
    fields = _section(body, "user")
    role = fields.get("role", "member")
    if isinstance(role, bool) or not _ROLES.fullmatch(str(role)):
        raise ApiError.field("user.role", "is not included in the list")
    departments = fields.get("department_ids") or []
    if not isinstance(departments, list):
        raise ApiError.field("user.department_ids", "is invalid")
    user = _new_user(
        store,
        fields,
        role=str(role),
        invite=flag(fields.get("invite"), "user.invite"),
        department_ids=[integer(d, "user.department_ids") for d in departments],
    )
    return reply(request, _public(user), root="user", status=201)


async def create_user(request: web.Request) -> web.Response:
    body = await read_plain(request)
    try:
        _integration(body, request)
    except ApiError:
        raise ApiError(401, _UNAUTHORIZED) from None
    user = _new_user(request.app[STORE], _section(body, "user"))
    return reply(request, _public(user), root="user", status=201)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


async def login(request: web.Request) -> web.Response:
    body = await read_plain(request)
    name = _text(body.get("login"), "login") or ""
    password = _text(body.get("password"), "password") or ""
    if not name or not password:
        raise ApiError(401, _UNAUTHORIZED)
    prefix = account_prefix(request)
    for user in _users(request.app[STORE]):
        stored = user.get("password")
        if name in (user.get("login"), user.get("email")) and stored and _same(stored, password):
            profile = {key: user.get(key) for key in ("login", "email", "first_name", "last_name")}
            profile.update(prefix=user.get("prefix") or prefix, url=_url(request))
            if user.get("api_token"):
                profile["api_token"] = user["api_token"]
            return reply(request, profile, root="user")
    if _same(request.app[TOKEN], password):
        profile = {
            "login": name,
            "email": name if "@" in name else None,
            "prefix": prefix,
            "url": _url(request),
            "first_name": None,
            "last_name": None,
            "api_token": request.app[TOKEN],
        }
        return reply(request, profile, root="user")
    raise ApiError(401, _UNAUTHORIZED)


def routes() -> list[web.RouteDef]:
    return [
        web.get(f"/account.{_FMT}", get_account, name="account.get"),
        web.post(f"/account.{_FMT}", create_account, name="accounts.create"),
        web.post(f"/account/delete.{_FMT}", delete_account, name="account.delete"),
        web.patch(f"/account/unlink.{_FMT}", unlink, name="account.unlink"),
        web.post(f"/account/add_user.{_FMT}", add_user, name="account.add_user"),
        web.post(f"/login.{_FMT}", login, name="login"),
        # Not named "*.create": the fault engine's create faults have never applied to it.
        web.post(f"/users.{_FMT}", create_user, name="users.register"),
    ]
