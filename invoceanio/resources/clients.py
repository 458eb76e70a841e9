"""``io.clients``: the account's list of buyers (and sellers)."""

from __future__ import annotations

from invoceanio.models.client import Client
from invoceanio.resources.base import ResourceService, check_key

__all__ = ["ClientsService"]


class ClientsService(ResourceService[Client]):
    collection = "clients"
    root = "client"
    model = Client

    async def get_by_external_id(self, external_id: str) -> Client | None:
        """The client whose ``external_id`` (your system's key) matches exactly, or None."""
        external_id = check_key(external_id, "external_id")
        request = self._core.build("GET", self.collection, params=[("external_id", external_id)])
        for client in self._core.to_models(request, await self._core.call(request), Client):
            if client.external_id == external_id:
                return client
        return None
