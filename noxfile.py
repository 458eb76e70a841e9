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
    session.run("ruff", "check", "invoceanio", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "invoceanio", "tests", "benchmarks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("mypy>=1.10", "-e", ".[orjson]")
    session.run("mypy", "--strict", "invoceanio")


@nox.session
def bench(session: nox.Session) -> None:
    """Throughput and decode benchmarks; figures go to benchmarks/README.md by hand."""
    session.install("-e", ".[orjson]")
    session.run("python", "-m", "benchmarks", *session.posargs)
