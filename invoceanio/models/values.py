"""Small value types for the API's wire quirks: month-only dates, tax codes, open enums, UNSET."""

from __future__ import annotations

import enum
import re
from datetime import MAXYEAR, MINYEAR, date
from decimal import Decimal
from typing import Any, Final, cast

import attrs

from invoceanio.secrets import Secret

__all__ = [
    "UNSET",
    "AccountingKind",
    "AdvanceCreationMode",
    "Amount",
    "ClientKind",
    "DiscountKind",
    "ExchangeKind",
    "ExemptTaxKind",
    "GovStatus",
    "GtuCode",
    "InvoiceKind",
    "InvoiceStatus",
    "IssuerRole",
    "Lang",
    "NpTaxKind",
    "OpenStrEnum",
    "PaymentType",
    "Period",
    "PositionKind",
    "ProcedureDesignation",
    "RecipientRole",
    "RecurringEvery",
    "SearchDateType",
    "SellDate",
    "TaxInput",
    "TaxNoKind",
    "TaxRate",
    "Unset",
    "VatMarginProcedure",
    "YearMonth",
    "masked",
    "tax_percent",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`: a field left out of a write, as opposed to one set to None."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET

_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@attrs.frozen(order=True)
class YearMonth:
    """A month, as the API allows for ``sell_date`` ("2026-11")."""

    # The years ``date`` allows: any other year has no "YYYY-MM" spelling to send or read back.
    year: int = attrs.field(
        validator=attrs.validators.and_(attrs.validators.ge(MINYEAR), attrs.validators.le(MAXYEAR))
    )
    month: int = attrs.field()

    @month.validator
    def _check_month(self, _: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= 12:
            raise ValueError(f"month must be 1..12, got {value}")

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        match = _YEAR_MONTH.match(text)
        if match is None:
            raise ValueError(f"not a year-month: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


SellDate = date | YearMonth
#: A position's tax: a rate in percent, or a code ("zw" exempt, "np" not subject, "oo", "disabled").
TaxRate = Decimal | str
#: What a draft's money, quantity or rate field takes, to type-checkers: a Decimal or an int
#: (``quantity=2``). A model reads these as Decimal only. At run time a draft takes text in
#: the API's spelling ("12,50") and floats too (see :mod:`invoceanio.models.draft_writes`).
Amount = Decimal | int
#: What a draft's ``tax`` takes: an :data:`Amount` or a code ("zw", "np"), or a rate as text.
TaxInput = Decimal | int | str


def masked(value: Secret | str | Unset | None) -> Secret | Unset | None:
    """A credential given to a draft, held as a :class:`Secret` from the start, so the draft's
    repr never shows it (a plain str would be printed as it is); it is still sent revealed."""
    return Secret(value) if isinstance(value, str) else value


def tax_percent(tax: TaxRate | None) -> Decimal:
    """The rate to compute with: codes such as ``zw`` and ``np`` count as 0%."""
    return tax if isinstance(tax, Decimal) else Decimal(0)


class OpenStrEnum(enum.StrEnum):
    """Known values of an open-ended field. Parsing keeps unknown values as plain ``str``, so a
    value the vendor adds tomorrow does not break today's client; compare with ``==`` either way.
    """

    @classmethod
    def parse(cls, value: Any) -> OpenStrEnum | str:
        if type(value) is str:
            # Text (what the wire sends) names a member by its exact value only, as ``cls(value)``
            # would (no OpenStrEnum has a ``_missing_``): one lookup, and an unknown value, which
            # some fields carry on most answers ("" for a Polish NIP, a bilingual "pl/en"),
            # costs no raised and caught ValueError.
            member = cls._value2member_map_.get(value)
            return value if member is None else cast(OpenStrEnum, member)
        try:
            return cls(value)
        except ValueError:
            return str(value)


class InvoiceKind(OpenStrEnum):
    VAT = "vat"
    PROFORMA = "proforma"
    BILL = "bill"
    RECEIPT = "receipt"
    ADVANCE = "advance"
    FINAL = "final"
    CORRECTION = "correction"
    INVOICE_OTHER = "invoice_other"
    VAT_MARGIN = "vat_margin"
    KP = "kp"
    KW = "kw"
    ESTIMATE = "estimate"
    VAT_MP = "vat_mp"
    VAT_RR = "vat_rr"
    CORRECTION_NOTE = "correction_note"
    ACCOUNTING_NOTE = "accounting_note"
    CLIENT_ORDER = "client_order"
    DW = "dw"
    WNT = "wnt"
    WDT = "wdt"
    IMPORT_SERVICE = "import_service"
    IMPORT_SERVICE_EU = "import_service_eu"
    IMPORT_PRODUCTS = "import_products"
    EXPORT_PRODUCTS = "export_products"
    MAINTENANCE_REQUEST = "maintenance_request"  # VosFactures (France) only
    PAYMENT_RECEIPT = "payment_receipt"  # VosFactures (France) only
    CANCELED = "canceled"


class InvoiceStatus(OpenStrEnum):
    ISSUED = "issued"
    SENT = "sent"
    PAID = "paid"
    PARTIAL = "partial"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    INCOMPLETE = "incomplete"


class DiscountKind(OpenStrEnum):
    PERCENT_UNIT = "percent_unit"
    PERCENT_UNIT_GROSS = "percent_unit_gross"
    PERCENT_TOTAL = "percent_total"
    AMOUNT = "amount"


class ClientKind(OpenStrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    BOTH = "both"


class PaymentType(OpenStrEnum):
    """How an invoice is paid (spec 6.3). The API also takes any free text ("dowolny inny wpis
    tekstowy"), which stays a plain ``str``."""

    TRANSFER = "transfer"
    CARD = "card"
    CASH = "cash"
    BARTER = "barter"
    CHEQUE = "cheque"
    BILL_OF_EXCHANGE = "bill_of_exchange"
    CASH_ON_DELIVERY = "cash_on_delivery"
    COMPENSATION = "compensation"
    LETTER_OF_CREDIT = "letter_of_credit"
    PAYU = "payu"
    PAYPAL = "paypal"
    OFF = "off"
    LCR = "lcr"  # VosFactures (France) only


class GovStatus(OpenStrEnum):
    """Where an invoice stands in KSeF, the Polish national e-invoice system (spec 9.2).

    ``demo_*`` are the same states on an account connected to the KSeF test environment. No
    status at all (null) means the invoice was never submitted. Third-party code also reports
    ``not_sent``/``sent``/``error``, which the docs do not know: those stay plain strings.
    """

    OK = "ok"
    PROCESSING = "processing"
    SEND_ERROR = "send_error"
    SERVER_ERROR = "server_error"
    NOT_APPLICABLE = "not_applicable"
    NOT_CONNECTED = "not_connected"
    DEMO_OK = "demo_ok"
    DEMO_PROCESSING = "demo_processing"
    DEMO_SEND_ERROR = "demo_send_error"
    DEMO_SERVER_ERROR = "demo_server_error"
    DEMO_NOT_APPLICABLE = "demo_not_applicable"
    DEMO_NOT_CONNECTED = "demo_not_connected"


class Lang(OpenStrEnum):
    """The language an invoice is printed in (spec 6.3). A bilingual invoice joins two codes
    with a slash ("pl/en"; the French docs write "en / fr"): such values stay plain strings."""

    PL = "pl"
    EN = "en"
    EN_GB = "en-GB"
    DE = "de"
    FR = "fr"
    CZ = "cz"
    RU = "ru"
    ES = "es"
    IT = "it"
    NL = "nl"
    HR = "hr"
    AR = "ar"
    SK = "sk"
    SL = "sl"
    EL = "el"
    ET = "et"
    CN = "cn"
    HU = "hu"
    TR = "tr"
    FA = "fa"
    # Documented by VosFactures (France) only:
    BG = "bg"
    CA = "ca"
    DA = "da"
    FI = "fi"
    HR2 = "hr2"
    IS = "is"
    KO = "ko"
    LT = "lt"
    LV = "lv"
    MN = "mn"
    NB = "nb"
    PT = "pt"
    RO = "ro"
    SQ = "sq"
    SV = "sv"
    UK = "uk"


class ExchangeKind(OpenStrEnum):
    """Whose exchange rate converts an invoice into ``exchange_currency`` (spec 6.3): a central
    bank's, or ``own`` (then send ``exchange_currency_rate``)."""

    ECB = "ecb"
    NBP = "nbp"
    CBR = "cbr"
    NBU = "nbu"
    NBG = "nbg"
    OWN = "own"
    NBT = "nbt"  # VosFactures (France) only


class TaxNoKind(OpenStrEnum):
    """What a party's ``tax_no`` is, as KSeF knows it (spec 9.3).

    The Polish NIP is the empty string ``""``, which is no member: an empty value also means
    "not given" on accounts without KSeF, so it stays a plain string. Older client cards carry
    other labels ("NIP", "PESEL"...), which stay plain strings too.
    """

    NIP_UE = "nip_ue"
    OTHER = "other"
    EMPTY = "empty"
    NIP_WITH_ID = "nip_with_id"


class NpTaxKind(OpenStrEnum):
    """Why the "np" positions of an invoice are not subject to VAT; KSeF requires it."""

    EXPORT_SERVICE = "export_service"
    EXPORT_SERVICE_EU = "export_service_eu"
    NOT_SPECIFIED = "not_specified"


class Period(OpenStrEnum):
    """The window a list of invoices (or warehouse documents) covers (``period=``, spec 5.1).

    Left out, the API answers invoices of ``LAST_12_MONTHS``: ``ALL`` is every document.
    ``MORE`` takes ``date_from``/``date_to`` (``io.invoices`` sends it by itself when the dates
    are given)."""

    LAST_12_MONTHS = "last_12_months"
    THIS_MONTH = "this_month"
    LAST_30_DAYS = "last_30_days"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"
    ALL = "all"
    MORE = "more"


class SearchDateType(OpenStrEnum):
    """Which date of a document the period and the dates apply to (``search_date_type=``,
    spec 5.1); ``ISSUE_DATE`` when left out. Warehouse documents take the first and the third.
    """

    ISSUE_DATE = "issue_date"
    PAID_DATE = "paid_date"
    TRANSACTION_DATE = "transaction_date"
    #: [FR]
    SELL_DATE = "sell_date"


class ExemptTaxKind(OpenStrEnum):
    """Why the "zw" (VAT-exempt) positions of an invoice are exempt, the four standard texts
    KSeF takes (spec 9.3); any other text is sent as given."""

    ACTIVITY = (
        "Zwolnienie ze względu na rodzaj prowadzonej działalności (art. 43 ust 1 ustawy o VAT)"
    )
    TURNOVER_LIMIT = (
        "Zwolnienie ze względu na nieprzekroczenie limitu obrotu (art. 113 ust 1 i 9 ustawy o VAT)"
    )
    MF_REGULATION = "Zwolnienie na mocy rozporządzenia MF (art. 82 ust 3 ustawy o VAT)"
    VAT_DIRECTIVE = (
        "Zwolnienie, o którym mowa w art. 132 ust 1 lub art. 135 ust 1 Dyrektywy 2006/112/WE"
    )


class VatMarginProcedure(OpenStrEnum):
    """The margin procedure a ``vat_margin`` invoice must name (``procedure_vat_margin``),
    byte-exact: three hold an en dash (U+2013), not a hyphen."""

    TRAVEL_AGENCIES = "procedura marży dla biur podróży"
    USED_GOODS = "procedura marży \u2013 towary używane"
    WORKS_OF_ART = "procedura marży \u2013 dzieła sztuki"
    COLLECTIBLES_AND_ANTIQUES = "procedura marży \u2013 przedmioty kolekcjonerskie i antyki"


class RecipientRole(OpenStrEnum):
    """The ``role`` of an invoice's recipient (KSeF "Podmiot3", spec 6.5), byte-exact Polish:
    two hold an en dash (U+2013). ``participation`` goes with ``ADDITIONAL_BUYER``,
    ``role_description`` (25 characters at most) with ``OTHER``."""

    RECIPIENT = "Odbiorca"
    ADDITIONAL_BUYER = "Dodatkowy nabywca"
    PAYER = "Dokonujący płatności"
    JST_RECIPIENT = "JST \u2013 odbiorca"
    GV_MEMBER_RECIPIENT = "Członek GV \u2013 odbiorca"
    EMPLOYEE = "Pracownik"
    OTHER = "Rola inna"


class IssuerRole(OpenStrEnum):
    """The ``role`` of an invoice's issuer (spec 6.5), byte-exact Polish: two hold an en dash."""

    ISSUER = "Wystawca faktury"
    FACTOR = "Faktor"
    ORIGINAL_ENTITY = "Podmiot pierwotny"
    JST_ISSUER = "JST \u2013 wystawca"
    GV_MEMBER_ISSUER = "Członek GV \u2013 wystawca"
    OTHER = "Rola inna"


class AccountingKind(OpenStrEnum):
    """The kind of an expense (``income`` false), for the accounts (spec 6.1)."""

    PURCHASES = "purchases"
    EXPENSES = "expenses"
    MEDIA = "media"
    SALARY = "salary"
    INCIDENT = "incident"
    FUEL0 = "fuel0"
    FUEL_EXPL50 = "fuel_expl50"  # the Spanish docs only
    FUEL_EXPL75 = "fuel_expl75"
    FUEL_EXPL100 = "fuel_expl100"
    FIXED_ASSETS = "fixed_assets"
    FIXED_ASSETS50 = "fixed_assets50"
    NO_VAT_DEDUCTION = "no_vat_deduction"


class PositionKind(OpenStrEnum):
    """What a position is, where it is not an ordinary line (an ordinary one reads as "" or
    null, which stay as they are): a correction's position and its states before and after,
    and the French text separators and subtotals."""

    CORRECTION = "correction"
    CORRECTION_BEFORE = "correction_before"
    CORRECTION_AFTER = "correction_after"
    TEXT_SEPARATOR = "text_separator"  # VosFactures (France) only
    SUBTOTAL = "subtotal"  # VosFactures (France) only


class GtuCode(OpenStrEnum):
    """The Polish JPK group of goods or services a position (``gtu_code``) or a product
    (``gtu_codes``) belongs to (spec 6.3), ``GTU_01`` to ``GTU_13``: upper case, underscore
    and two digits, as sent."""

    GTU_01 = "GTU_01"
    GTU_02 = "GTU_02"
    GTU_03 = "GTU_03"
    GTU_04 = "GTU_04"
    GTU_05 = "GTU_05"
    GTU_06 = "GTU_06"
    GTU_07 = "GTU_07"
    GTU_08 = "GTU_08"
    GTU_09 = "GTU_09"
    GTU_10 = "GTU_10"
    GTU_11 = "GTU_11"
    GTU_12 = "GTU_12"
    GTU_13 = "GTU_13"


class ProcedureDesignation(OpenStrEnum):
    """A KSeF/JPK procedure mark of an invoice (``procedure_designations[]``, spec 6.1), sent
    as the code itself: the member names are the codes."""

    SW = "SW"
    EE = "EE"
    TP = "TP"
    TT_WNT = "TT_WNT"
    TT_D = "TT_D"
    MR_T = "MR_T"
    MR_UZ = "MR_UZ"
    I_42 = "I_42"
    I_63 = "I_63"
    B_SPV = "B_SPV"
    B_SPV_DOSTAWA = "B_SPV_DOSTAWA"
    B_MPV_PROWIZJA = "B_MPV_PROWIZJA"
    MPP = "MPP"


class AdvanceCreationMode(OpenStrEnum):
    """How an advance invoice made from an order takes its amount (spec 4.1): ``advance_value``
    is a percentage of the order, or the amount itself."""

    PERCENT = "percent"
    AMOUNT = "amount"


class RecurringEvery(OpenStrEnum):
    """How often a recurring definition issues an invoice (``every``, spec 6.12): a count and a
    unit, ``w`` weeks, ``m`` months, ``y`` years. Other spellings stay plain strings."""

    WEEK = "1w"
    MONTH = "1m"
    TWO_MONTHS = "2m"
    THREE_MONTHS = "3m"
    SIX_MONTHS = "6m"
    YEAR = "1y"
