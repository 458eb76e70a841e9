"""The resources that are plain CRUD in the API: categories, warehouses, issuers, bank accounts,
webhooks. Each is its path, root key, model and the formats the API documents for it."""

from __future__ import annotations

from invoceanio.models.bank_account import BankAccount
from invoceanio.models.category import Category
from invoceanio.models.issuer import Issuer
from invoceanio.models.webhook import Webhook
from invoceanio.resources.base import CrudService

__all__ = ["BankAccountsService", "CategoriesService", "IssuersService", "WebhooksService"]


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


class WebhooksService(CrudService[Webhook]):
    """Webhooks the service calls on changes; ``invoceanio.webhooks`` reads what they send."""

    collection = "webhooks"
    root = "webhook"
    model = Webhook
    xml = False
