"""The pytest plugin: ``invoceanio_sandbox`` and ``invoceanio_client`` for our users' test suites.

Proves, in pytest runs of a small user test file (``pytester``), that both fixtures work under
pytest-asyncio in strict mode (with ``@pytest.mark.asyncio``) and in auto mode; that each test
gets a fresh sandbox which is stopped after it; that without pytest-asyncio the plugin still
loads and a fixture fails with a message saying what to install; that with the ``pytest11`` entry
point installed (as ``pip install invoceanio`` does) the plugin loads once, by itself and by
``-p invoceanio``; and that importing the plugin does not import the server. Also uses the
fixtures directly in our own tests.

The dev virtualenv may run the package from the source tree, without the entry point: then this
module and the pytester runs load the plugin explicitly. With the entry point installed (CI), the
plugin is already registered as ``invoceanio`` and loading it again under its module name would
be refused by pytest, so they do not.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import aiohttp
import pytest

from invoceanio import InvoiceOcean
from invoceanio.sandbox.server import Sandbox

PLUGIN = "invoceanio.sandbox.pytest_plugin"
ROOT = Path(__file__).resolve().parents[2]
# Quiets pytest-asyncio's warning about the unset option in the user runs.
LOOP_SCOPE = ("-o", "asyncio_default_fixture_loop_scope=function")


def _entry_point_installed() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))


pytest_plugins = ["pytester", *([] if _entry_point_installed() else [PLUGIN])]


def _plugin_args(config: pytest.Config) -> list[str]:
    """``-p`` for the plugin unless the entry point registers it anyway (twice is an error)."""
    return [] if config.pluginmanager.has_plugin("invoceanio") else ["-p", PLUGIN]


USER_TESTS = """
    import aiohttp
    import pytest

    from invoceanio import InvoiceOcean
    from invoceanio.sandbox.server import Sandbox

    urls = []

    {mark}
    async def test_both_fixtures(invoceanio_sandbox, invoceanio_client):
        assert isinstance(invoceanio_sandbox, Sandbox)
        assert isinstance(invoceanio_client, InvoiceOcean)
        assert invoceanio_client.base_url.startswith(invoceanio_sandbox.url)
        assert await invoceanio_client.invoices.list() == []
        created = await invoceanio_client.clients.create({{"name": "Acme"}})
        assert [c.id for c in await invoceanio_client.clients.list()] == [created.id]
        urls.append(invoceanio_sandbox.url)

    {mark}
    async def test_each_test_gets_a_fresh_sandbox_and_the_last_one_is_stopped(
        invoceanio_client,
    ):
        assert await invoceanio_client.clients.list() == []
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectionError):
                await session.get(urls[0] + "/clients.json")
"""


def _write_user_tests(pytester: pytest.Pytester, *, strict: bool) -> None:
    mark = "@pytest.mark.asyncio" if strict else ""
    pytester.makepyfile(test_user=textwrap.dedent(USER_TESTS.format(mark=mark)))


def test_fixtures_work_in_strict_mode(
    pytester: pytest.Pytester, pytestconfig: pytest.Config
) -> None:
    _write_user_tests(pytester, strict=True)
    result = pytester.runpytest(
        *_plugin_args(pytestconfig), *LOOP_SCOPE, "-o", "asyncio_mode=strict"
    )
    result.assert_outcomes(passed=2)


def test_fixtures_work_in_auto_mode(pytester: pytest.Pytester, pytestconfig: pytest.Config) -> None:
    _write_user_tests(pytester, strict=False)
    result = pytester.runpytest(*_plugin_args(pytestconfig), *LOOP_SCOPE, "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=2)


def test_without_pytest_asyncio_the_plugin_loads_and_a_fixture_says_what_to_install(
    pytester: pytest.Pytester,
    pytestconfig: pytest.Config,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # In a fresh interpreter where "import pytest_asyncio" fails, its plugin switched off.
    hidden = tmp_path / "hidden"
    (hidden / "pytest_asyncio").mkdir(parents=True)
    (hidden / "pytest_asyncio" / "__init__.py").write_text(
        "raise ImportError('pytest-asyncio is not installed here')\n"
    )
    pythonpath = [str(hidden), str(ROOT), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, pythonpath)))
    pytester.makepyfile(
        test_user="""
        def test_needs_the_sandbox(invoceanio_sandbox):
            pass

        def test_needs_the_client(invoceanio_client):
            pass

        def test_unrelated():
            pass
        """
    )
    result = pytester.runpytest_subprocess(*_plugin_args(pytestconfig), "-p", "no:asyncio")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*the invoceanio_sandbox fixture is async and needs pytest-asyncio: "
            "pip install pytest-asyncio*",
            "*the invoceanio_client fixture is async and needs pytest-asyncio*",
        ]
    )


def _fake_installed_entry_point(tmp_path: Path) -> Path:
    """A site directory declaring the plugin's ``pytest11`` entry point, as an install would."""
    site = tmp_path / "site"
    dist_info = site / "invoceanio_entry_point_check-0.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: invoceanio-entry-point-check\nVersion: 0.0\n"
    )
    (dist_info / "entry_points.txt").write_text(f"[pytest11]\ninvoceanio = {PLUGIN}\n")
    return site


@pytest.mark.parametrize("extra", [[], ["-p", "invoceanio"]], ids=["autoload", "p-entry-point"])
def test_the_entry_point_registers_the_plugin_once(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    extra: list[str],
) -> None:
    site = _fake_installed_entry_point(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(ROOT)]))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytester.makepyfile(
        test_user="""
        async def test_client(invoceanio_client):
            assert await invoceanio_client.invoices.list() == []

        def test_registered_once(pytestconfig):
            plugin = pytestconfig.pluginmanager.get_plugin("invoceanio")
            assert plugin.__name__ == "invoceanio.sandbox.pytest_plugin"
            names = [
                name
                for name, registered in pytestconfig.pluginmanager.list_name_plugin()
                if registered is plugin
            ]
            assert names == ["invoceanio"]
        """
    )
    result = pytester.runpytest_subprocess(*LOOP_SCOPE, "-o", "asyncio_mode=auto", *extra)
    result.assert_outcomes(passed=2)


def test_importing_the_plugin_leaves_the_server_and_aiohttp_web_unloaded() -> None:
    # Loaded in every pytest run: the server, aiohttp.web and the client wait for a fixture.
    code = textwrap.dedent(
        f"""
        import sys
        import pytest, pytest_asyncio
        before = set(sys.modules)
        import {PLUGIN}
        added = set(sys.modules) - before
        print(sorted(m for m in added if m.startswith(("invoceanio.sandbox", "aiohttp.web"))))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.strip() == repr(["invoceanio.sandbox", PLUGIN])


# --- the fixtures used directly --------------------------------------------------------------


async def test_the_sandbox_fixture_is_started(invoceanio_sandbox: Sandbox) -> None:
    assert invoceanio_sandbox.url.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as session:
        url = f"{invoceanio_sandbox.url}/invoices.json?api_token={invoceanio_sandbox.token}"
        async with session.get(url) as response:
            assert response.status == 200
            assert await response.json() == []


async def test_the_client_fixture_talks_to_the_sandbox_fixture(
    invoceanio_sandbox: Sandbox, invoceanio_client: InvoiceOcean
) -> None:
    created = await invoceanio_client.clients.create({"name": "Direct Ltd"})
    assert created.name == "Direct Ltd"
    assert [record["name"] for record in invoceanio_sandbox.store.records("clients")] == [
        "Direct Ltd"
    ]
