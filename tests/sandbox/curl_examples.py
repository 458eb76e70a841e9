"""Extract the curl examples of the seed documents as replayable request specifications.

The seeds (``seeds/000_*``, ``001_*``, ``002_*`` beside this module: verbatim copies of the
project's source documents, so the tests need nothing outside the repository; ``003`` documents
another provider and is not copied) are text scraped from the InvoiceOcean / eFakturierung API
pages. An *example* is:

- a ``curl ...`` command (lower-case ``curl`` followed by whitespace, possibly glued to the
  prose before it, as in ``JSONcurl`` or ``listscurl``), continued over ``\\`` line ends or
  kept on one line where the scrape flattened it (``000``), up to the first word that is no
  part of the command (``Download code CURL``, ``XML curl ...``, prose);
- a bare ``https://...api_token=API_TOKEN`` line: what the page's "Download code CURL" button
  holds for the plain GET examples (list, get, PDF, account);
- a ``method: POST url: https://... {json}`` block, the page's other way to show a curl call.

Understood options: ``-X``/``--request``, ``-H``/``--header``, ``-d``/``--data``/
``--data-raw``/``--data-binary``/``--data-urlencode`` (JSON, XML or form text), ``-u``/
``--user``, ``-F``/``--form`` (``@file`` fields become a small PNG upload), ``-o``/``--output``,
``-i``/``-s``/``-v``/``-L``/``-k`` flags. A ``-d`` without ``-X`` is a POST, ``-F`` too.

Each example gets a stable id ``{seed}-{ordinal:02d}-{METHOD}-{path}`` (ordinal: position in its
seed). An example that cannot be replayed *as written* (the scrape lost its URL, or cut its
body so that a quote is never closed or the JSON does not parse) keeps its id and carries a
``defect`` string saying why; the tests list those explicitly.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

__all__ = ["SEEDS", "SEED_DIR", "CurlExample", "load_examples", "parse_seed"]

SEED_DIR: Final = Path(__file__).resolve().parent / "seeds"
SEEDS: Final = ("000", "001", "002")

_CURL_START: Final = re.compile(r"curl(?=[ \t\r\n]|$)")
_BARE_URL: Final = re.compile(r"^(https?://\S*api_token=API_TOKEN\S*)[ \t]*$", re.MULTILINE)
_METHOD_URL: Final = re.compile(
    r"method:\s*(GET|POST|PUT|DELETE)\s+url:\s*(\S+)\s*(\{.*?\})\s*"
    r"(?=Download code CURL|Code CURL)",
    re.DOTALL,
)
_CONTINUATION: Final = re.compile(r"\\[ \t]*(?:\r?\n|[ \t])")
_FLAGS: Final = frozenset({"-i", "--include", "-s", "--silent", "-v", "-L", "-k", "-G"})
_DATA: Final = frozenset({"-d", "--data", "--data-raw", "--data-binary", "--data-urlencode"})
PNG_1PX: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4bc0000000049454e44ae426082"
)


@dataclass
class CurlExample:
    seed: str
    ordinal: int
    source: str
    method: str = "GET"
    url: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: str | None = None
    user: str | None = None
    form: list[tuple[str, str]] = field(default_factory=list)
    output: str | None = None
    defect: str | None = None

    @property
    def path(self) -> str:
        if not self.url:
            return "<no-url>"
        return urlsplit(self.url.replace("#{domain}", "https://DOMAIN")).path or "/"

    @property
    def id(self) -> str:
        return f"{self.seed}-{self.ordinal:02d}-{self.method}-{self.path}"

    @property
    def fmt(self) -> str:
        """``json``, ``xml`` or ``pdf``: the path suffix that selects the answer's format."""
        return self.path.rpartition(".")[2]

    def json_body(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


def _lex(text: str) -> shlex.shlex:
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    return lexer


def _argument(lexer: shlex.shlex, name: str, inline: str | None) -> str:
    """An option's argument: the ``--opt=value`` part, else the next token."""
    if inline is not None:
        return inline
    value = lexer.get_token()
    if value is None:
        raise ValueError(f"option {name} without its argument")
    return value


def _parse_command(example: CurlExample, text: str) -> None:
    """Fill ``example`` from ``text`` (starting after ``curl``), stopping at the first word
    that is neither an option, its argument nor the URL."""
    lexer = _lex(_CONTINUATION.sub(" ", text))
    explicit_method = False
    try:
        while (token := lexer.get_token()) is not None:
            if token.startswith("-"):
                name, eq, inline = (
                    token.partition("=") if token.startswith("--") else (token, "", "")
                )
                arg = partial(_argument, lexer, name, inline if eq else None)
                if name in ("-X", "--request"):
                    example.method, explicit_method = arg().upper(), True
                elif name in ("-H", "--header"):
                    key, _, value = arg().partition(":")
                    example.headers.append((key.strip(), value.strip()))
                elif name in _DATA:
                    value = arg()
                    example.data = value if example.data is None else f"{example.data}&{value}"
                elif name in ("-u", "--user"):
                    example.user = arg()
                elif name in ("-F", "--form"):
                    key, _, value = arg().partition("=")
                    example.form.append((key, value))
                elif name in ("-o", "--output"):
                    example.output = arg()
                elif name not in _FLAGS:
                    raise ValueError(f"unknown curl option {name}")
            elif token == "" or "://" in token or token.startswith("#{"):
                if example.url:
                    break
                example.url = token
                if not token:
                    break  # the scrape left ``curl ""``: nothing after it belongs to it
            else:
                break
    except ValueError as error:
        example.defect = f"cannot tokenize: {error}"
    if not explicit_method and (example.data is not None or example.form):
        example.method = "POST"
    if example.defect is None:
        _check(example)


def _check(example: CurlExample) -> None:
    if not example.url:
        example.defect = "the scraped text lost the URL"
    elif example.data is not None and example.fmt == "json" and not example.form:
        try:
            json.loads(example.data)
        except ValueError as error:
            example.defect = f"the body is not JSON: {error}"


def parse_seed(seed: str, text: str) -> list[CurlExample]:
    """Every example of one seed document, in the order they appear."""
    found: list[tuple[int, CurlExample]] = []
    starts = [m.start() for m in _CURL_START.finditer(text)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        body = text[start + len("curl") : end]
        example = CurlExample(seed=seed, ordinal=0, source=text[start:end].strip())
        _parse_command(example, body)
        found.append((start, example))
    for match in _BARE_URL.finditer(text):
        example = CurlExample(seed=seed, ordinal=0, source=match.group(1), url=match.group(1))
        found.append((match.start(), example))
    for match in _METHOD_URL.finditer(text):
        example = CurlExample(
            seed=seed,
            ordinal=0,
            source=match.group(0),
            method=match.group(1),
            url=match.group(2),
            headers=[("Content-Type", "application/json")],
            data=match.group(3),
        )
        _check(example)
        found.append((match.start(), example))
    found.sort(key=lambda item: item[0])
    examples = [example for _, example in found]
    for ordinal, example in enumerate(examples, start=1):
        example.ordinal = ordinal
    return examples


def load_examples(seed_dir: Path = SEED_DIR) -> list[CurlExample]:
    examples: list[CurlExample] = []
    for seed in SEEDS:
        (path,) = sorted(seed_dir.glob(f"{seed}_*.txt"))
        examples.extend(parse_seed(seed, path.read_text(encoding="utf-8")))
    return examples


if __name__ == "__main__":
    for item in load_examples():
        print(item.id, item.defect or "")
