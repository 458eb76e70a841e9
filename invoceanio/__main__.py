"""``python -m invoceanio``: the same command line as the ``invoceanio`` console script."""

from __future__ import annotations

from invoceanio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
