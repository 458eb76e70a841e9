"""``invoceanio endpoints``: print the catalogue of API endpoints beside the SDK methods that
call them, as Markdown (the source of docs/endpoints.md).
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    endpoints = subparsers.add_parser(
        "endpoints",
        help="print every API endpoint beside the SDK call that reaches it (Markdown)",
        description=(
            "Print the catalogue of API endpoints and the SDK methods that call them, as "
            "Markdown (the source of docs/endpoints.md)."
        ),
    )
    endpoints.set_defaults(handler=run, parser=endpoints)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from invoceanio.client import InvoiceOcean
    from invoceanio.endpoints import catalogue, render_markdown

    sys.stdout.write(render_markdown(catalogue(InvoiceOcean.SERVICES, InvoiceOcean)))
    return 0
