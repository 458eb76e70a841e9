"""Write examples/invoices.csv: 1,000 invoices of a made-up Polish web shop and studio.

    python3 examples/make_invoices.py [OUT.csv] [--count N]

Deterministic (a seeded random generator, no clock): the same arguments always write the same
bytes, so the committed file can be checked against the script. Only the standard library.

The file shows the format's range (examples/README.md describes it): several positions per
invoice; invoice columns repeated on every row for some invoices and given on the first row
only for others; company and private buyers (with valid-looking NIP numbers); PLN and EUR;
23/8/5/0% and the zw (exempt) and np (not subject) tax codes with their KSeF reasons; prices
as a gross total or a net unit price; dot and comma decimals (a comma decimal is quoted, as
any CSV writer does for a value holding the separator).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

SEED = 2026
HEADER = [
    "invoice_key",
    "kind",
    "issue_date",
    "sell_date",
    "payment_type",
    "payment_to_kind",
    "currency",
    "lang",
    "buyer_name",
    "buyer_company",
    "buyer_tax_no",
    "buyer_street",
    "buyer_post_code",
    "buyer_city",
    "buyer_country",
    "buyer_email",
    "exempt_tax_kind",
    "np_tax_kind",
    "description",
    "position_name",
    "position_code",
    "position_quantity",
    "position_quantity_unit",
    "position_tax",
    "position_total_price_gross",
    "position_price_net",
]

COMPANIES = [
    ("Piekarnia Złoty Kłos sp. z o.o.", "Kraków", "30-001", "ul. Floriańska"),
    ("Hurtownia Bałtyk S.A.", "Gdańsk", "80-001", "ul. Długa"),
    ("Studio Grafiki Wróbel", "Wrocław", "50-001", "ul. Świdnicka"),
    ("Kancelaria Nowak i Wspólnicy", "Warszawa", "00-001", "ul. Marszałkowska"),
    ("Zakład Stolarski Dąb", "Poznań", "60-001", "ul. Półwiejska"),
    ("Apteka Pod Orłem", "Lublin", "20-001", "ul. Krakowskie Przedmieście"),
    ("Biuro Rachunkowe Liczydło", "Łódź", "90-001", "ul. Piotrkowska"),
    ("Transport Szybki Żuraw sp.j.", "Szczecin", "70-001", "al. Niepodległości"),
    ("Kwiaciarnia Różany Ogród", "Toruń", "87-100", "ul. Szeroka"),
    ("Serwis Rowerowy Kółko", "Katowice", "40-001", "ul. Mariacka"),
]
FOREIGN = [
    ("Northwind Traders Ltd", "London", "EC1A 1BB", "1 King Street", "GB"),
    ("Contoso GmbH", "Berlin", "10115", "Invalidenstraße 5", "DE"),
    ("Fabrikam Inc.", "Dublin", "D02 X285", "12 Grafton Street", "IE"),
    ("Tailspin Toys BV", "Amsterdam", "1012 AB", "Damrak 40", "NL"),
]
#: Polish surnames agree with the first name: (first names, surnames) for women, then men.
PEOPLE = [
    (["Anna", "Małgorzata", "Katarzyna", "Zofia"], ["Kowalska", "Wiśniewska", "Kamińska", "Zając"]),
    (["Jan", "Piotr", "Łukasz", "Michał"], ["Kowalski", "Wiśniewski", "Lewandowski", "Nowak"]),
]
_ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
CITIES = [("Gdynia", "81-301"), ("Radom", "26-600"), ("Opole", "45-001"), ("Kielce", "25-001")]

#: (name, code, unit, gross unit price, tax): the shop's goods and the studio's services.
PRODUCTS = [
    ("Kawa ziarnista 1 kg", "KAW-1000", "szt", "79.90", "23"),
    ("Herbata zielona 100 g", "HER-100", "szt", "24.50", "23"),
    ("Chleb żytni na zakwasie", "CHL-01", "szt", "12.00", "5"),
    ("Książka: Polska kuchnia", "KS-PK", "szt", "59.00", "5"),
    ("Kubek ceramiczny", "KUB-C", "szt", "35.00", "23"),
    ("Kask rowerowy", "KASK-M", "szt", "249.99", "23"),
    ("Woda mineralna 6 x 1,5 l", "WODA-6", "opak", "14.40", "8"),
    ("Pizza margherita (dowóz)", "PIZ-M", "szt", "38.00", "8"),
    ("Consulting (hour)", "SRV-CONS", "godz", "246.00", "23"),
    ("Projekt logo", "SRV-LOGO", "usł", "1845.00", "23"),
]
EXEMPT = [("Szkolenie z rachunkowości", "SRV-SZK", "usł", "1200.00")]  # zw: training
NOT_SUBJECT = [("Web design services (EU client)", "SRV-WEB", "hour", "120.00")]  # np


def nip(rng: random.Random) -> str:
    """A ten-digit Polish tax number whose check digit is right (the service checks it)."""
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def decimal_text(value: Decimal, rng: random.Random) -> str:
    """The number, with a comma instead of the dot one time in four (as the API allows)."""
    text = format(value, "f")
    return text.replace(".", ",") if rng.random() < 0.25 else text


def money(value: Decimal, rng: random.Random) -> str:
    return decimal_text(value.quantize(Decimal("0.01")), rng)


def buyer(rng: random.Random) -> dict[str, str]:
    roll = rng.random()
    if roll < 0.6:
        name, city, code, street = rng.choice(COMPANIES)
        return {
            "buyer_name": name,
            "buyer_company": "1",
            "buyer_tax_no": nip(rng),
            "buyer_street": f"{street} {rng.randint(1, 120)}",
            "buyer_post_code": code,
            "buyer_city": city,
            "buyer_country": "PL",
            "buyer_email": f"faktury{rng.randint(1, 99)}@example.pl",
        }
    if roll < 0.8:
        name, city, code, street, country = rng.choice(FOREIGN)
        return {
            "buyer_name": name,
            "buyer_company": "1",
            "buyer_street": street,
            "buyer_post_code": code,
            "buyer_city": city,
            "buyer_country": country,
            "buyer_email": f"accounts{rng.randint(1, 99)}@example.com",
            "currency": "EUR",
            "lang": "en",
        }
    first_names, surnames = rng.choice(PEOPLE)
    first, last = rng.choice(first_names), rng.choice(surnames)
    city, code = rng.choice(CITIES)
    return {
        "buyer_name": f"{first} {last}",
        "buyer_company": "0",
        "buyer_street": f"ul. Leśna {rng.randint(1, 60)}",
        "buyer_post_code": code,
        "buyer_city": city,
        "buyer_country": "PL",
        "buyer_email": f"{first.lower().translate(_ASCII)}.{rng.randint(1, 999)}@example.pl",
    }


def positions(rng: random.Random, foreign: bool) -> list[dict[str, str]]:
    rows = []
    for _ in range(rng.choice((1, 2, 2, 3, 3, 3, 4, 5, 6))):
        roll = rng.random()
        if foreign and roll < 0.3:
            name, code, unit, price = rng.choice(NOT_SUBJECT)
            tax = "np"
        elif not foreign and roll < 0.05:
            name, code, unit, price = rng.choice(EXEMPT)
            tax = "zw"
        else:
            name, code, unit, price, tax = rng.choice(PRODUCTS)
        hourly = unit in ("godz", "hour")
        quantity = Decimal(rng.choice((1, 2, 3, 5, 8))) / (2 if hourly else 1)
        row = {
            "position_name": name,
            "position_code": code,
            "position_quantity": decimal_text(quantity, rng),
            "position_quantity_unit": unit,
            "position_tax": tax,
        }
        gross = Decimal(price)
        if rng.random() < 0.2 and tax not in ("zw", "np"):
            # Priced by the net unit price instead: the service computes the gross.
            rate = Decimal(tax) / 100
            row["position_price_net"] = money(gross / (1 + rate), rng)
        else:
            row["position_total_price_gross"] = money(gross * quantity, rng)
        rows.append(row)
    return rows


def invoice_rows(number: int, rng: random.Random) -> list[list[str]]:
    issued = date(2026, 1, 2) + timedelta(days=rng.randint(0, 330))
    head = {
        "invoice_key": f"SHOP-2026-{number:05d}",
        "kind": "vat" if rng.random() < 0.92 else "proforma",
        "issue_date": issued.isoformat(),
        "sell_date": (issued - timedelta(days=rng.randint(0, 3))).isoformat(),
        "payment_type": rng.choice(("transfer", "transfer", "transfer", "card", "cash")),
        "payment_to_kind": rng.choice(("7", "14", "14", "30")),
        "currency": "PLN",
        "lang": "pl",
        **buyer(rng),
    }
    lines = positions(rng, foreign=head["currency"] == "EUR")
    if any(line["position_tax"] == "zw" for line in lines):
        head["exempt_tax_kind"] = "Art. 43 ust. 1 pkt 29 lit. b ustawy o VAT"
    if any(line["position_tax"] == "np" for line in lines):
        head["np_tax_kind"] = "export_service_eu"
    if rng.random() < 0.15:
        head["description"] = rng.choice(
            ("Dziękujemy za zakupy!", "Zamówienie internetowe", "Thank you for your order.")
        )
    # Some invoices repeat their invoice columns on every row, some give them once: both work.
    repeat = rng.random() < 0.5
    rows = []
    for index, line in enumerate(lines):
        fields = dict(head) if index == 0 or repeat else {"invoice_key": head["invoice_key"]}
        fields.update(line)
        rows.append([fields.get(column, "") for column in HEADER])
    return rows


def write(out: Path, count: int) -> None:
    rng = random.Random(SEED)
    with out.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(HEADER)
        for number in range(1, count + 1):
            writer.writerows(invoice_rows(number, rng))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "out", nargs="?", type=Path, default=Path(__file__).with_name("invoices.csv")
    )
    parser.add_argument("--count", type=int, default=1000, help="invoices (default: 1000)")
    args = parser.parse_args(argv)
    write(args.out, args.count)
    print(f"wrote {args.count} invoices to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
