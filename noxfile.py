"""Developer tasks. `nox -s tests` is what CI runs; each session builds its own environment."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit tests on MockTransport, integration tests on loopback)."""
    session.install("-e", ".[test,orjson]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    paths = ("invoceanio", "tests", "compat_tests", "benchmarks", "noxfile.py")
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("mypy>=1.10", "-e", ".[orjson]")
    # With user code that must type-check as users write it (tests/typed_usage).
    session.run("mypy", "--strict", "invoceanio", "tests/typed_usage")


@nox.session
def compat(session: nox.Session) -> None:
    """Third-party clients against the sandbox (issue 3): fakturownia-client from PyPI.

    Its own session because it installs a package the main suite does not; pinned to the minor
    version the tests were written against, so a new release cannot break CI unannounced.
    """
    session.install("-e", ".[test]", "fakturownia-client>=0.2,<0.3")
    session.run("pytest", "compat_tests", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """invoceanio beside raw aiohttp and its peers (``python -m benchmarks``, issue 6).

    Writes benchmarks/results.json, the README table and the plot; ``nox -s bench -- --quick``
    is the two-minute check. The older per-issue figures: ``python -m benchmarks.core``.
    """
    session.install("-e", ".[orjson,bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)
