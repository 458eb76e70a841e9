"""pytest plugin: test your own code against the embedded InvoiceOcean sandbox.

Registered through the ``pytest11`` entry point (name ``invoceanio``), so installing invoceanio is
enough (with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` set, pass ``-p invoceanio``). Only where the
package is not installed (run from a source tree) load it with
``-p invoceanio.sandbox.pytest_plugin``: with the entry point present, pytest refuses that
second registration of the same module under another name ("Plugin already registered under a
different name"). Fixtures:

``invoceanio_sandbox``
    a started :class:`~invoceanio.sandbox.server.Sandbox` on a free loopback port, fresh for each
    test and stopped after it. ``sandbox.url``, ``sandbox.token``, ``sandbox.store`` (records,
    counts, e-mail outbox) and ``sandbox.faults.reconfigure(FaultConfig(...))`` are yours.
``invoceanio_client``
    an :class:`~invoceanio.InvoiceOcean` client pointed at that sandbox, closed after the test.

Both are async fixtures run by pytest-asyncio, in ``auto`` and ``strict`` mode alike (in strict
mode mark the test ``@pytest.mark.asyncio`` as usual). Without pytest-asyncio this module still
loads, and using a fixture fails the test with a message saying what to install. They run in
pytest-asyncio's fixture loop (one per test unless ``asyncio_default_fixture_loop_scope`` says
otherwise), and the sandbox answers only while that loop runs: a test in a wider loop
(``@pytest.mark.asyncio(loop_scope="module")``) needs the fixture loop scope set to match.

The plugin is loaded in every pytest run of every project that installs invoceanio, so it
imports nothing heavy here: aiohttp, the server and the client are imported when a fixture runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

# The typecheck environment may not have pytest installed: then these are Any. The fixtures are
# built by calls rather than decorators so that an untyped decorator cannot creep in.
import pytest  # type: ignore[import-not-found, unused-ignore]


def _import_pytest_asyncio() -> Any:
    try:
        import pytest_asyncio  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return pytest_asyncio


_pytest_asyncio: Final[Any] = _import_pytest_asyncio()

if TYPE_CHECKING:
    from invoceanio.client import InvoiceOcean
    from invoceanio.sandbox.server import Sandbox

__all__ = ["invoceanio_client", "invoceanio_sandbox"]

SANDBOX_FIXTURE: Final = "invoceanio_sandbox"
CLIENT_FIXTURE: Final = "invoceanio_client"
MISSING_PYTEST_ASYNCIO: Final = (
    "the {name} fixture is async and needs pytest-asyncio: pip install pytest-asyncio"
)


async def _sandbox() -> AsyncIterator[Sandbox]:
    from invoceanio.sandbox.server import Sandbox

    async with Sandbox() as sandbox:
        yield sandbox


async def _client(invoceanio_sandbox: Sandbox) -> AsyncIterator[InvoiceOcean]:
    from invoceanio.client import InvoiceOcean

    async with InvoiceOcean(
        base_url=invoceanio_sandbox.url, api_token=invoceanio_sandbox.token
    ) as client:
        yield client


def _needs_pytest_asyncio(name: str) -> Any:
    def fixture() -> None:
        pytest.fail(MISSING_PYTEST_ASYNCIO.format(name=name), pytrace=False)

    return pytest.fixture(name=name)(fixture)


if _pytest_asyncio is not None:
    invoceanio_sandbox: Any = _pytest_asyncio.fixture(_sandbox, name=SANDBOX_FIXTURE)
    invoceanio_client: Any = _pytest_asyncio.fixture(_client, name=CLIENT_FIXTURE)
else:
    invoceanio_sandbox = _needs_pytest_asyncio(SANDBOX_FIXTURE)
    invoceanio_client = _needs_pytest_asyncio(CLIENT_FIXTURE)
