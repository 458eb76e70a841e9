"""The resources that are plain CRUD in the API: categories, warehouses, issuers, bank accounts,
webhooks. Each is its path, root key, model and the formats the API documents for it."""

from __future__ import annotations

from invoceanio.endpoints import endpoint
from invoceanio.middleware.auth import CredentialScrubber
from invoceanio.models.bank_account import BankAccount
from invoceanio.models.category import Category
from invoceanio.models.issuer import Issuer
from invoceanio.models.webhook import Webhook
from invoceanio.resources.base import CrudService, WriteData
from invoceanio.secrets import Secret

__all__ = ["BankAccountsService", "CategoriesService", "IssuersService", "WebhooksService"]

_SHORTEST_MASKED_TOKEN = 8


class CategoriesService(CrudService[Category]):
    collection = "categories"
    root = "category"
    model = Category


class IssuersService(CrudService[Issuer]):
    """Invoice issuers (KSeF "Podmiot3" roles) kept on the account."""

    collection = "issuers"
    root = "issuer"
    model = Issuer
    xml = False


class BankAccountsService(CrudService[BankAccount]):
    """The account's bank accounts. A create with a number that already exists answers the
    existing account (the API de-duplicates by the normalised number and ignores the rest)."""

    collection = "bank_accounts"
    root = "bank_account"
    model = BankAccount
    xml = False
    # Spec 6.10: each link is {department_id, show_on_invoice, main_on_department, remove}, set
    # by its department (the sandbox merges them so): sent twice, the same links.
    child_keys = {"bank_account_version_departments": "department_id"}


class WebhooksService(CrudService[Webhook]):
    """Webhooks the service calls on changes; ``invoceanio.webhooks`` reads what they send.

    A webhook's ``api_token`` is a credential too (the proof a call is the service's): masked
    in the errors of the create or update that sends it, as the API token is, should the
    server quote it back (a 422 naming the value)."""

    collection = "webhooks"
    root = "webhook"
    model = Webhook
    xml = False

    @endpoint("POST", "{collection}")
    async def create(self, data: WriteData) -> Webhook:
        with self._scrubber(data):
            return await super().create(data)

    @endpoint("{update_method}", "{collection}/{id}")
    async def update(self, id: int | str, changes: WriteData) -> Webhook:
        with self._scrubber(changes):
            return await super().update(id, changes)

    def _scrubber(self, data: WriteData) -> CredentialScrubber:
        token = self._document(data).get("api_token")
        # The user picks this token: a short one ("url", "is") would be masked inside every
        # word of the server's message, and masks nothing worth hiding.
        if isinstance(token, str) and len(token) >= _SHORTEST_MASKED_TOKEN:
            return CredentialScrubber([Secret(token)])
        return CredentialScrubber()
