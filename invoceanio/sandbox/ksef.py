"""KSeF, the Polish national e-invoice system, as the service fronts it (spec 9).

- **Submit**: ``GET /invoices/{id}.json?send_to_ksef=yes`` (``1``, ``true``... any true flag) on
  an existing invoice, or a create with a top-level ``"gov_save_and_send": true`` (or the query
  parameter ``?gov_save_and_send=1``). :func:`check` runs first: the account setting
  ``validate_invoices_for_gov`` is on (the service's default), so a non-compliant invoice gets
  a 422 ``{"code": "error", "message": {field: ["- nie może być puste"]}}`` and is neither
  submitted nor, on create, stored.
- **Status** (the sandbox's choice; the spec gives only the first step): the answer to the
  submit reads ``gov_status: "processing"``, ``gov_id: null`` and the ``gov_send_date``; the
  next request that reads the invoice (get, list, update, delete, its actions and attachment,
  its public links) finds it accepted: :func:`settle` sets ``gov_status: "ok"``, the ``gov_id``
  ``{NIP}-{YYYYMMDD}-{12 upper-case hex}`` (NIP: the seller's 10 digits; the date: the day it
  was accepted) and ``gov_verification_link``
  ``https://ksef.mf.gov.pl/web/verify/{gov_id}/{hash}``, the hash being the base64url SHA-256
  of the FA(3) document :func:`fa_xml` serves. A second submit of an accepted invoice changes
  nothing.
- **Kinds** outside :data:`ELIGIBLE_KINDS` get ``gov_status: "not_applicable"`` and nothing else.
- **Lock**: once ``gov_id`` is set, update and delete answer 422 with the string message
  :data:`LOCKED` (spec 9.3); the actions that are no edit (status, payments, e-mail, fiscal
  printing, attachments) still work.
- **Not modelled**: the refused e-mail of spec 7.1 (HTTP 200 ``{"message": "Faktura nie może
  zostać wysłana - brak numeru KSeF", "status": "error"}``). Its condition, "e-mail to company
  buyers works only once a KSeF number exists" (9.3), hangs on the account's KSeF integration,
  which the sandbox has no setting for; and an invoice submitted here has its number by the time
  any handler reads it (:func:`settle`), so "submitted, no number yet" never meets an e-mail.
- **Documents**: :func:`fa_xml`, a small FA(3)-like invoice (number, dates, seller and buyer tax
  numbers and names, positions, totals) and :func:`upo_xml`, the receipt (UPO) with the KSeF
  number; ``GET /invoices/{id}/attachment?kind=gov|gov_upo`` redirects to them.

What :func:`check` requires (a subset of spec 9.3 and the lengths of 9.4): ``seller_name``, a
``seller_tax_no`` that is a Polish NIP (10 digits; a ``PL`` prefix, spaces and dashes are
allowed), ``buyer_name``, ``buyer_tax_no`` unless ``buyer_company`` is false or
``buyer_tax_no_kind`` is ``empty``, ``invoice_id`` on a correction, an ``exempt_tax_kind`` when
a position's tax is ``zw`` and an ``np_tax_kind`` when one's is ``np`` (or another way of
writing it: ``na``, ``n/a``, ``nie podlega``, ``not applicable``, any case; any text that is
not blank, as :func:`_tax_kinds` says), and the KSeF maximum lengths (:data:`_MAX_LENGTHS`) of
names, streets, phones, e-mails, ``correction_reason``, the footer, the notes (``description``
and each ``descriptions[]`` entry's ``kind`` and ``content``) and positions' ``name`` and
``additional_info`` when the invoice shows that column (20 under an ``additional_info_desc`` of
``GTIN``, 50 under PKWiU, PKOB, CN or none: see :func:`_position_lengths`). A correction must
also keep every field of :data:`CORRECTION_LOCKED` as its original (the invoice ``invoice_id``
names) has it: each changed one is ``{field: [CHANGED]}``. Blank and absent count as the same,
and tax numbers compare as NIPs (``PL 525-244-57-67`` is ``5252445767``). The names are not on
the spec's list, so a correction may change ``buyer_name`` or ``seller_name``.

The documents are built with plain element names under a root that declares the namespace as
its default (``xmlns="..."``), so rendering them registers no ElementTree prefix (that registry
is process-wide state).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any, Final
from xml.etree import ElementTree

from invoceanio.sandbox.clients import now_text
from invoceanio.sandbox.nested import children_over
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import INVOICES, ApiError

__all__ = [
    "CHANGED",
    "CORRECTION_LOCKED",
    "ELIGIBLE_KINDS",
    "GOV_FIELDS",
    "LOCKED",
    "check",
    "fa_xml",
    "locked",
    "refuse_if_locked",
    "settle",
    "submit",
    "upo_xml",
    "xml_text",
]

#: Document kinds KSeF takes (spec 6.3); every other kind reads back ``not_applicable``.
ELIGIBLE_KINDS: Final = frozenset(
    {"vat", "correction", "vat_mp", "vat_margin", "wdt", "export_products", "advance", "final"}
)
#: The read-only KSeF fields every invoice carries (null until it is submitted).
GOV_FIELDS: Final = (
    "gov_status",
    "gov_id",
    "gov_send_date",
    "gov_verification_link",
    "gov_error_messages",
)
LOCKED: Final = "Nie można edytować dokumentu, ponieważ został przesłany do KSeF."
BLANK: Final = "- nie może być puste"
CHANGED: Final = "- nie może różnić się od faktury korygowanej"
#: What a correction may not change from its original (spec 9.3): the seller's department,
#: tax data and contacts, the buyer's company flag, tax data and contacts, the issuer and the
#: delivery address.
CORRECTION_LOCKED: Final = (
    "department_id",
    "seller_tax_no",
    "seller_tax_no_kind",
    "seller_email",
    "seller_phone",
    "seller_fax",
    "seller_www",
    "seller_bdo_no",
    "buyer_company",
    "buyer_tax_no",
    "buyer_tax_no_kind",
    "buyer_note",
    "buyer_email",
    "buyer_phone",
    "buyer_mobile",
    "use_invoice_issuer",
    "invoice_issuer",
    "use_delivery_address",
    "delivery_address",
)
_TAX_NUMBERS: Final = frozenset({"seller_tax_no", "buyer_tax_no"})
# Flags whose absence means off, and the one whose absence means on (a company buyer).
_OFF_BY_DEFAULT: Final = frozenset({"use_invoice_issuer", "use_delivery_address"})
FA_NAMESPACE: Final = "http://crd.gov.pl/wzor/2025/06/25/13775/"
UPO_NAMESPACE: Final = "http://upo.schematy.mf.gov.pl/KSeF/v4-3"
VERIFY_URL: Final = "https://ksef.mf.gov.pl/web/verify"

_MAX_LENGTHS: Final = {
    "seller_name": 255,
    "buyer_name": 255,
    "seller_street": 255,
    "buyer_street": 255,
    "seller_email": 255,
    "buyer_email": 255,
    "seller_phone": 16,
    "buyer_phone": 16,
    "correction_reason": 256,
    # Spec 9.4 "footer | 3500"; 6.1: "`description_footer` ... KSeF: footer max 3500 characters".
    "description_footer": 3500,
    # Spec 6.1: `description` is "the first `descriptions[]` entry", whose content 9.4 limits.
    "description": 256,
}
#: Spec 9.4 "`descriptions[].kind`, `descriptions[].content` | 256 each" (6.6: content up to
#: 65535 characters, "≤256 when KSeF is active").
_DESCRIPTION_LENGTHS: Final = {"kind": 256, "content": 256}
#: Spec 9.4: "`positions[].name` | 256", "`additional_info` as GTIN | 20", "`additional_info` as
#: PKWiU/PKOB/CN | 50". What the column holds is the invoice's ``additional_info_desc``.
_POSITION_NAME: Final = 256
_ADDITIONAL_INFO_GTIN: Final = 20
_ADDITIONAL_INFO: Final = 50
#: The headers 9.4 gives the 50-character limit, and none (the column's default, PKWiU).
_ADDITIONAL_INFO_WORDS: Final = frozenset({"", "PKWIU", "PKOB", "CN"})
#: Spec 6.3: "`np` (not subject; also recognised: `n/a`, `nie podlega`, `not applicable`, `na`
#: and their upper-case forms)".
_NP_TAXES: Final = frozenset({"np", "na", "n/a", "nie podlega", "not applicable"})
_NIP: Final = re.compile(r"[0-9]{10}")
_NIP_NOISE: Final = re.compile(r"[\s-]")
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FA_KINDS: Final = {"correction": "KOR", "advance": "ZAL", "final": "ROZ"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _nip(value: Any) -> str | None:
    """The 10 digits of a Polish NIP (``PL`` prefix, spaces and dashes dropped), else None."""
    if not isinstance(value, str):
        return None
    text = _NIP_NOISE.sub("", value).upper().removeprefix("PL")
    return text if _NIP.fullmatch(text) else None


def _too_long(limit: int) -> str:
    return f"- pole jest za długie (maksymalna ilość znaków: {limit})"


def _locked_value(field: str, value: Any) -> Any:
    """A locked field's value as compared: blank is None, a tax number its NIP digits."""
    if field == "buyer_company":
        return value is not False
    if field in _OFF_BY_DEFAULT:
        return value is True
    if _blank(value):
        return None
    if field in _TAX_NUMBERS:
        return _nip(value) or _NIP_NOISE.sub("", str(value)).upper()
    return value.strip() if isinstance(value, str) else value


def _descriptions(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``descriptions[]`` entries, as a list or in the nested-attributes hash form."""
    given = record.get("descriptions")
    if isinstance(given, Mapping):
        entries = list(given.values())
    elif isinstance(given, list):
        entries = given
    else:
        return []
    return [entry for entry in entries if isinstance(entry, Mapping)]


def _positions(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    positions = record.get("positions")
    if not isinstance(positions, list):
        return []
    return [position for position in positions if isinstance(position, Mapping)]


def _tax_kinds(record: Mapping[str, Any]) -> dict[str, list[str]]:
    """Spec 9.3: "`exempt_tax_kind` is required for "zw" positions" (its values: four texts "or
    custom text") and "`np_tax_kind` is required for "np" positions". 6.1 lists three values of
    ``np_tax_kind`` (``export_service``, ``export_service_eu``, ``not_specified``) but 9.3 asks
    only that it be given, so any text that is not blank is taken, as for ``exempt_tax_kind``."""
    taxes = {str(position.get("tax")).strip().lower() for position in _positions(record)}
    errors: dict[str, list[str]] = {}
    if "zw" in taxes and _blank(record.get("exempt_tax_kind")):
        errors["exempt_tax_kind"] = [BLANK]
    if taxes & _NP_TAXES and _blank(record.get("np_tax_kind")):
        errors["np_tax_kind"] = [BLANK]
    return errors


def _position_lengths(record: Mapping[str, Any]) -> dict[str, list[str]]:
    """The positions' texts over their KSeF limits. ``additional_info`` counts only when the
    invoice shows the column (its ``additional_info`` flag) and only for the uses spec 9.4
    limits: GTIN (20) when ``additional_info_desc`` says ``GTIN``; PKWiU, PKOB, CN or no word
    (the column's default use, spec 6.9: "`additional_info` (PKWiU)") 50. Any other header
    has no limit in the spec, so none here."""
    limits = {"name": _POSITION_NAME}
    # The record's flags are booleans by now: the invoice module reads them on every write.
    if record.get("additional_info") is True:
        desc = record.get("additional_info_desc")
        word = desc.strip().upper() if isinstance(desc, str) else ""
        if word == "GTIN":
            limits["additional_info"] = _ADDITIONAL_INFO_GTIN
        elif word in _ADDITIONAL_INFO_WORDS:
            limits["additional_info"] = _ADDITIONAL_INFO
    return children_over(_positions(record), limits, "positions", _too_long)


def _description_lengths(record: Mapping[str, Any]) -> dict[str, list[str]]:
    return children_over(_descriptions(record), _DESCRIPTION_LENGTHS, "descriptions", _too_long)


def _changed_from_original(store: Store, record: Mapping[str, Any]) -> dict[str, list[str]]:
    original = store.get(INVOICES, record["invoice_id"])
    if original is None:
        return {"invoice_id": ["- faktura korygowana nie istnieje"]}
    return {
        field: [CHANGED]
        for field in CORRECTION_LOCKED
        if _locked_value(field, record.get(field)) != _locked_value(field, original.get(field))
    }


def check(store: Store, record: Mapping[str, Any]) -> None:
    """422 naming every field KSeF would refuse (nothing for a kind KSeF does not take)."""
    if record.get("kind") not in ELIGIBLE_KINDS:
        return
    errors: dict[str, list[str]] = {}
    for field in ("seller_name", "seller_tax_no", "buyer_name"):
        if _blank(record.get(field)):
            errors[field] = [BLANK]
    if "seller_tax_no" not in errors and _nip(record.get("seller_tax_no")) is None:
        errors["seller_tax_no"] = ["- nieprawidłowy NIP"]
    company = record.get("buyer_company") is not False
    if (
        company
        and record.get("buyer_tax_no_kind") != "empty"
        and _blank(record.get("buyer_tax_no"))
    ):
        errors["buyer_tax_no"] = [BLANK]
    if record.get("kind") == "correction":
        if not isinstance(record.get("invoice_id"), int):
            errors["invoice_id"] = [BLANK]
        else:
            errors.update(_changed_from_original(store, record))
    errors.update(_tax_kinds(record))
    for field, limit in _MAX_LENGTHS.items():
        value = record.get(field)
        if isinstance(value, str) and len(value) > limit:
            errors.setdefault(field, []).append(_too_long(limit))
    errors.update(_position_lengths(record))
    errors.update(_description_lengths(record))
    if errors:
        raise ApiError(422, errors)


def submit(record: dict[str, Any]) -> None:
    """Mark a checked invoice as sent (in place): ``processing``, or ``not_applicable``."""
    if record.get("gov_id"):
        return  # already accepted: sending again changes nothing
    if record.get("kind") not in ELIGIBLE_KINDS:
        record["gov_status"] = "not_applicable"
        return
    record.update(
        gov_status="processing",
        gov_id=None,
        gov_send_date=now_text(),
        gov_verification_link=None,
        gov_error_messages=None,
    )


def settle(store: Store, record: dict[str, Any]) -> bool:
    """A ``processing`` invoice is accepted when it is next read; True when it changed."""
    if record.get("gov_status") != "processing":
        return False
    nip = _nip(record.get("seller_tax_no")) or "0000000000"
    gov_id = f"{nip}-{date.today():%Y%m%d}-{secrets.token_hex(6).upper()}"
    digest = hashlib.sha256(fa_xml(record)).digest()
    token = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    record.update(
        gov_status="ok",
        gov_id=gov_id,
        gov_verification_link=f"{VERIFY_URL}/{gov_id}/{token}",
        gov_error_messages=None,
    )
    store.add(INVOICES, record)
    return True


def locked(record: Mapping[str, Any]) -> bool:
    return bool(record.get("gov_id"))


def refuse_if_locked(record: Mapping[str, Any]) -> None:
    """422 :data:`LOCKED` for an invoice KSeF has accepted (spec 9.3)."""
    if locked(record):
        raise ApiError(422, LOCKED)


# --- documents ------------------------------------------------------------------------------


def xml_text(value: Any) -> str:
    """``value`` as text an XML 1.0 document can hold: the characters it cannot are dropped."""
    return _NOT_XML_CHAR.sub("", "" if value is None else str(value))


def _add(parent: ElementTree.Element, tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = xml_text(value)
    return element


def _root(tag: str, ns: str) -> ElementTree.Element:
    # The namespace is the root's default (xmlns), so the tree is built from plain names and no
    # prefix is ever registered: ElementTree.register_namespace is process-wide state.
    return ElementTree.Element(tag, {"xmlns": ns})


def _serialise(root: ElementTree.Element) -> bytes:
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def _party(parent: ElementTree.Element, tag: str, record: Mapping[str, Any], side: str) -> None:
    party = ElementTree.SubElement(parent, tag)
    ids = ElementTree.SubElement(party, "DaneIdentyfikacyjne")
    tax_no = record.get(f"{side}_tax_no")
    if side == "seller":
        _add(ids, "NIP", _nip(tax_no) or tax_no)
    elif _blank(tax_no):
        _add(ids, "BrakID", "1")
    else:
        _add(ids, "NIP", _nip(tax_no) or tax_no)
    _add(ids, "Nazwa", record.get(f"{side}_name"))
    address = ElementTree.SubElement(party, "Adres")
    _add(address, "KodKraju", record.get(f"{side}_country") or "PL")
    line = ", ".join(
        str(record[key])
        for key in (f"{side}_street", f"{side}_post_code", f"{side}_city")
        if not _blank(record.get(key))
    )
    _add(address, "AdresL1", line)


def fa_xml(record: Mapping[str, Any]) -> bytes:
    """The invoice as a small FA(3)-like KSeF document (``text/xml``). It reads only fields KSeF
    locks, so it stays the same once the invoice is accepted."""
    root = _root("Faktura", FA_NAMESPACE)
    header = ElementTree.SubElement(root, "Naglowek")
    code = _add(header, "KodFormularza", "FA")
    code.set("kodSystemowy", "FA (3)")
    code.set("wersjaSchemy", "1-0E")
    _add(header, "WariantFormularza", "3")
    _add(header, "DataWytworzeniaFa", record.get("created_at"))
    _add(header, "SystemInfo", "invoceanio sandbox")
    _party(root, "Podmiot1", record, "seller")
    _party(root, "Podmiot2", record, "buyer")
    fa = ElementTree.SubElement(root, "Fa")
    _add(fa, "KodWaluty", record.get("currency") or "PLN")
    _add(fa, "P_1", record.get("issue_date"))
    _add(fa, "P_2", record.get("number"))
    _add(fa, "P_6", record.get("sell_date"))
    _add(fa, "P_13_1", record.get("price_net"))
    _add(fa, "P_14_1", record.get("price_tax"))
    _add(fa, "P_15", record.get("price_gross"))
    _add(fa, "RodzajFaktury", _FA_KINDS.get(str(record.get("kind")), "VAT"))
    if record.get("kind") == "correction":
        _add(fa, "PrzyczynaKorekty", record.get("correction_reason"))
    for number, position in enumerate(record.get("positions") or [], start=1):
        if not isinstance(position, Mapping):
            continue
        row = ElementTree.SubElement(fa, "FaWiersz")
        _add(row, "NrWierszaFa", number)
        _add(row, "P_7", position.get("name"))
        _add(row, "P_8A", position.get("quantity_unit") or "szt.")
        _add(row, "P_8B", position.get("quantity"))
        _add(row, "P_9A", position.get("price_net"))
        _add(row, "P_11", position.get("total_price_net"))
        _add(row, "P_12", position.get("tax"))
    return _serialise(root)


def upo_xml(record: Mapping[str, Any]) -> bytes:
    """The official receipt (UPO) of an accepted invoice (``text/xml``)."""
    root = _root("Potwierdzenie", UPO_NAMESPACE)
    _add(root, "NazwaPodmiotuPrzyjmujacego", "Ministerstwo Finansów (sandbox)")
    _add(root, "NumerReferencyjnySesji", f"{record.get('gov_id')}-SANDBOX")
    context = ElementTree.SubElement(root, "Uwierzytelnienie")
    _add(context, "NIP", _nip(record.get("seller_tax_no")))
    document = ElementTree.SubElement(root, "Dokument")
    _add(document, "NipSprzedawcy", _nip(record.get("seller_tax_no")))
    _add(document, "NumerKSeFDokumentu", record.get("gov_id"))
    _add(document, "NumerFaktury", record.get("number"))
    _add(document, "DataWystawieniaFaktury", record.get("issue_date"))
    _add(document, "DataPrzeslaniaDokumentu", record.get("gov_send_date"))
    digest = base64.b64encode(hashlib.sha256(fa_xml(record)).digest()).decode()
    _add(document, "SkrotDokumentu", digest)
    return _serialise(root)
