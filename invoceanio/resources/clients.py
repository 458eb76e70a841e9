"""``io.clients``: the account's list of buyers (and sellers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.models.address import Address, AddressDraft
from invoceanio.models.client import Client
from invoceanio.resources.base import (
    CrudService,
    as_document,
    check_id,
    check_ids,
    check_key,
    field_list,
)

__all__ = ["ClientsService"]


class ClientsService(CrudService[Client]):
    collection = "clients"
    root = "client"
    model = Client

    @endpoint("GET", "{collection}/{id}", note="`additional_fields[client]=`")
    async def get(self, id: int | str, *, additional_fields: Sequence[str] | None = None) -> Client:
        """One client. ``additional_fields`` ([FR]) adds fields the API leaves out by default
        (``["bank_account", "swift"]``); they read back in the client's ``extra`` unless the
        model names them."""
        params = field_list("additional_fields[client]", additional_fields)
        request = self._build("GET", self._member(id), params=params)
        return self._core.to_model(request, await self._core.call(request), self.model)

    @endpoint("GET", "{collection}", note="`?external_id=`")
    async def get_by_external_id(self, external_id: str) -> Client | None:
        """The client whose ``external_id`` (your system's key) matches exactly, or None."""
        external_id = check_key(external_id, "external_id")
        request = self._build("GET", self.collection, params=[("external_id", external_id)])
        for client in self._core.to_models(request, await self._core.call(request), Client):
            if client.external_id == external_id:
                return client
        return None

    @endpoint("POST", "{collection}/{id}/merge", suffix="json", note="top-level `merge_ids`")
    async def merge(self, id: int | str, merge_ids: Iterable[int | str] | int) -> Client:
        """Merge the clients ``merge_ids`` into ``id``: their documents move to it and their
        cards go. Answers the client that stays. One id alone may be given as it is
        (``merge(9, 45)`` or ``merge(9, "45")``: client 45, never clients 4 and 5)."""
        others = [int(other) for other in check_ids(merge_ids, "merge_ids")]
        keep = int(check_id(id))
        if not others or keep in others:
            raise ConfigurationError("merge_ids must name at least one other client")
        request = self._build(
            "POST", self._member(id, "merge"), body={"merge_ids": others}, xml_form=False
        )
        return self._core.to_model(request, await self._core.call(request), self.model)

    @endpoint(
        "POST", "addresses", suffix="json", note="[FR] root `address`, `addressable_type=Client`"
    )
    async def add_address(
        self, id: int | str, address: AddressDraft | Address | Mapping[str, Any]
    ) -> Address:
        """Add a delivery address to client ``id`` ([FR]); answers the stored address.

        Only ``name`` is required. The owner is filled in from ``id`` (an address naming
        another owner is refused, not moved), and ``kind`` is ``delivery`` unless given. A
        ``primary`` address becomes the client's main delivery address. Never re-sent after a
        failure that may have reached the server: a second send would add it twice."""
        owner = int(check_id(id, "a client id"))
        document = as_document(address, "Address", (Address, AddressDraft))
        name = document.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError("an address needs a name (its label)")
        if not _owned_by(document, owner):
            raise ConfigurationError(
                f"this address names another owner than client {owner}: leave "
                "addressable_type and addressable_id out, add_address fills them in"
            )
        if document.get("kind") is None:
            document["kind"] = "delivery"
        document.update(addressable_type="Client", addressable_id=owner)
        request = self._build("POST", "addresses", body=document, root="address", xml_form=False)
        return self._core.to_model(request, await self._core.call(request), Address)


def _owned_by(document: Mapping[str, Any], owner: int) -> bool:
    """Whether the owner an address names, if any (None is none), is client ``owner``; an id
    is compared as the number it spells ("044" is 44)."""
    if document.get("addressable_type") not in (None, "Client"):
        return False
    named = document.get("addressable_id")
    if named is None:
        return True
    try:
        return int(check_id(named)) == owner
    except ConfigurationError:
        return False
