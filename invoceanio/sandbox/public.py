"""An invoice's public links: how the invoice resource builds them and the pages they open.

No API token: their route names are in :data:`OPEN_ROUTES`, which the app's token check
allows (see :mod:`invoceanio.sandbox.app`); the invoice's ``token`` is the credential, as on the
service. An unknown token is a 404 (the usual JSON error body).

- ``GET /invoice/{token}``: an HTML page (``text/html; charset=utf-8``) with the document kind
  and number, the dates, seller and buyer, the positions, the net/tax/gross totals with the
  currency and a link to the PDF;
- ``GET /invoice/{token}.pdf``: the printout (:func:`render_invoice_pdf`; ``print_option`` and
  ``print_ean_codes`` as on ``/invoices/{id}.pdf``), ``Content-Disposition: inline`` with
  ``?inline=yes`` (any true API flag: ``1``, ``true``, ``on``...; a value that is no flag is a
  422), else ``attachment``; the file name is the number's slug plus ``.pdf``;
- ``GET /f/{slug}/{token}``: the invoice's ``view_url``, the same page (any slug is taken:
  the token decides);
- ``GET /invoice/payment/{token}``: the invoice's ``payment_url``, a page with the amount to pay
  (``price_gross - paid``).

:func:`view_url` and :func:`payment_url` are the links the invoice JSON carries; :func:`printout`
is the PDF of both this page and ``/invoices/{id}.pdf``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox import ksef
from invoceanio.sandbox.pdf import SANDBOX_NOTICE, render_invoice_pdf
from invoceanio.sandbox.references import with_ean_codes
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import INVOICES, STORE, ApiError, flag

__all__ = ["OPEN_ROUTES", "payment_url", "printout", "routes", "slug", "view_url"]

#: The routes below, which answer without an API token (the invoice's token is the secret).
OPEN_ROUTES: Final = frozenset(
    {"invoices.public_page", "invoices.public_pdf", "invoices.payment_page", "invoices.view_url"}
)
_TOKEN: Final = r"{token:[A-Za-z0-9_-]{1,64}}"
_KINDS: Final = {
    "vat": "Faktura VAT",
    "proforma": "Faktura proforma",
    "receipt": "Paragon",
    "bill": "Rachunek",
    "advance": "Faktura zaliczkowa",
    "final": "Faktura końcowa",
    "correction": "Faktura korygująca",
    "estimate": "Kosztorys",
    "canceled": "Anulowana faktura",
}


def slug(number: str) -> str:
    """The number as a URL segment: ``"FV 1/11/2026"`` -> ``"fv-1-11-2026"``."""
    return re.sub(r"[^A-Za-z0-9]+", "-", number).strip("-").lower() or "invoice"


def view_url(origin: str, number: Any, token: str) -> str:
    return f"{origin}/f/{slug(str(number))}/{token}"


def payment_url(origin: str, token: str) -> str:
    return f"{origin}/invoice/payment/{token}"


def printout(store: Store, record: Mapping[str, Any], query: Mapping[str, str]) -> bytes:
    """The invoice's PDF with the request's ``print_option`` (422 for an unknown option) and
    ``print_ean_codes`` ([FR] spec 4.1: the products' EAN codes printed; 422 for a value that
    is no flag)."""
    ean_codes = flag(query.get("print_ean_codes"), "print_ean_codes")
    invoice = with_ean_codes(store, record) if ean_codes else record
    try:
        return render_invoice_pdf(
            invoice, print_option=query.get("print_option"), print_ean_codes=ean_codes
        )
    except ValueError as error:
        raise ApiError.field("print_option", str(error)) from None


def _invoice(request: web.Request) -> dict[str, Any]:
    store = request.app[STORE]
    found = store.find(INVOICES, "token", request.match_info["token"])
    if not found:
        raise ApiError(404, "Not found")
    record = found[0]
    ksef.settle(store, record)
    return record


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _party(record: Mapping[str, Any], side: str, label: str) -> str:
    lines = [
        record.get(f"{side}_name"),
        " ".join(
            str(record[key])
            for key in (f"{side}_street", f"{side}_post_code", f"{side}_city")
            if record.get(key)
        ),
        f"NIP: {record[f'{side}_tax_no']}" if record.get(f"{side}_tax_no") else None,
    ]
    body = "<br>".join(_e(line) for line in lines if line)
    return f'<section class="{side}"><h2>{label}</h2><p>{body}</p></section>'


def _page(title: str, body: str, lang: Any) -> web.Response:
    text = (
        f'<!DOCTYPE html>\n<html lang="{_e(str(lang or "pl")[:10])}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n"
        f'<p class="sandbox">{_e(SANDBOX_NOTICE)}</p>\n{body}\n</body></html>\n'
    )
    return web.Response(text=text, content_type="text/html", charset="utf-8")


def _title(record: Mapping[str, Any]) -> str:
    kind = _KINDS.get(str(record.get("kind")), str(record.get("kind") or "Dokument"))
    return _e(f"{kind} {record.get('number') or ''}".strip())


def _invoice_page(record: Mapping[str, Any]) -> web.Response:
    currency = _e(record.get("currency"))
    rows = "".join(
        "<tr>"
        f"<td>{_e(position.get('name'))}</td><td>{_e(position.get('quantity'))}</td>"
        f"<td>{_e(position.get('price_net'))}</td><td>{_e(position.get('tax'))}</td>"
        f"<td>{_e(position.get('total_price_gross'))}</td>"
        "</tr>"
        for position in record.get("positions") or []
        if isinstance(position, Mapping)
    )
    body = (
        f"<h1>{_title(record)}</h1>\n"
        f'<p class="dates">Data wystawienia: {_e(record.get("issue_date"))}; '
        f"termin płatności: {_e(record.get('payment_to'))}</p>\n"
        f"{_party(record, 'seller', 'Sprzedawca')}\n{_party(record, 'buyer', 'Nabywca')}\n"
        "<table><tr><th>Nazwa</th><th>Ilość</th><th>Cena netto</th><th>VAT</th>"
        f"<th>Wartość brutto</th></tr>{rows}</table>\n"
        f'<p class="totals">Netto: {_e(record.get("price_net"))} {currency}; '
        f"VAT: {_e(record.get('price_tax'))} {currency}</p>\n"
        f'<p class="total">Razem: <strong>{_e(record.get("price_gross"))} {currency}</strong></p>\n'
        f'<p><a href="/invoice/{_e(record.get("token"))}.pdf">PDF</a></p>'
    )
    return _page(_title(record), body, record.get("lang"))


async def invoice_page(request: web.Request) -> web.Response:
    return _invoice_page(_invoice(request))


async def invoice_pdf(request: web.Request) -> web.Response:
    record = _invoice(request)
    body = printout(request.app[STORE], record, request.query)
    inline = flag(request.query.get("inline"), "inline")
    name = f"{slug(str(record.get('number') or 'invoice'))}.pdf"
    disposition = f'{"inline" if inline else "attachment"}; filename="{name}"'
    return web.Response(
        body=body, content_type="application/pdf", headers={"Content-Disposition": disposition}
    )


def _left_to_pay(record: Mapping[str, Any]) -> str:
    try:
        due = Decimal(str(record.get("price_gross") or "0")) - Decimal(
            str(record.get("paid") or "0")
        )
    except InvalidOperation:
        due = Decimal(0)
    return f"{max(due, Decimal(0)).quantize(Decimal('0.01')):f}"


async def payment_page(request: web.Request) -> web.Response:
    record = _invoice(request)
    body = (
        f"<h1>{_title(record)}</h1>\n"
        f'<p class="total">Do zapłaty: <strong>{_left_to_pay(record)} '
        f"{_e(record.get('currency'))}</strong></p>\n"
        f'<p class="status">Status: {_e(record.get("status"))}</p>'
    )
    return _page(_title(record), body, record.get("lang"))


def routes() -> list[web.RouteDef]:
    return [
        web.get(f"/invoice/{_TOKEN}", invoice_page, name="invoices.public_page"),
        web.get(f"/invoice/{_TOKEN}.pdf", invoice_pdf, name="invoices.public_pdf"),
        web.get(f"/invoice/payment/{_TOKEN}", payment_page, name="invoices.payment_page"),
        web.get(r"/f/{slug:[^/]{1,200}}/" + _TOKEN, invoice_page, name="invoices.view_url"),
    ]
