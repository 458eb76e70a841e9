"""``io.departments``: the seller's companies or departments (what ``department_id`` on an
invoice fills the seller block from), with their logo."""

from __future__ import annotations

from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.models.department import Department
from invoceanio.resources.base import CrudService
from invoceanio.uploads import FileInput, multipart, read_upload

__all__ = ["DepartmentsService"]

_LOGO_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})


class DepartmentsService(CrudService[Department]):
    collection = "departments"
    root = "department"
    model = Department
    xml = False

    @endpoint("PUT", "{collection}/{id}", suffix="json", note="multipart `department[logo]`")
    async def upload_logo(
        self, id: int | str, filename: str | None, content: FileInput
    ) -> Department:
        """Set the department's logo (PNG, JPEG or GIF; bytes or a path). The file is read and
        checked before the request."""
        upload = read_upload(content, filename=filename, max_bytes=self._core.max_upload_bytes)
        if upload.content_type not in _LOGO_TYPES:
            raise ConfigurationError(
                f"a logo must be a PNG, JPEG or GIF image, got {upload.filename!r} "
                f"({upload.content_type})"
            )
        form = await multipart([], [(f"{self.root}[logo]", upload)])
        request = self._build("PUT", self._member(id), content=form, xml_form=False)
        return self._core.to_model(request, await self._core.call(request), self.model)
