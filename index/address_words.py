"""The names a passage writes only in its link addresses.

A resource list names a tool by what it does and the tool's own name only in the address:
`[Medical Image Analysis](https://github.com/Project-MONAI/MONAI)`, `[Weights & Biases]
(https://docs.wandb.ai/)`. The plain text the model and BM25 read drops URLs (index/repair.py),
so without these words a learner's "monai" would be a word the knowledge base never uses
(strong "not covered" evidence in index/calibration.py), or be "corrected" into another corpus
word, and BM25 could not find the passage.

`address_words` reads the absolute addresses of a passage's display Markdown (inline links,
reference definitions, autolinks, bare URLs) and keeps the words that name something: the host's
labels without "www" and the domain suffix, and the path's segments split on punctuation and
camel case; alphabetic pieces of at least `_MIN_LETTERS` letters, lowercased, each once. Query
strings and fragments are dropped (video ids, tracking tags), and so is a segment that reads
like an id (digits mixed in, or case changing in mid-word more than a CamelCase name does).

Words every address carries say nothing about the passage: `_NOISE` (written by us) holds the
web's own vocabulary (schemes, "www", domain suffixes, file extensions), the words of code
hosts' paths ("blob", "master"), generic site sections ("docs", "blog", "wiki") and the names
of the platforms links point through (github, youtube, medium, ...): a passage that links a
repository on GitHub does not explain GitHub, so "github actions" stays a near-miss. The
chunker appends these words to the passage's lexical text (index/chunker.py `_make_chunk`),
so both BM25 and the corpus vocabulary (index/calibration.py `speller_text`) read them; the
measurements are in bench/link_names.py and bench/abstention_rounds.md (round 11).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from index.spelling import per_billion

# An absolute address as Markdown writes it: stops at whitespace, quotes, angle brackets and
# the closing bracket of a link (a balanced "(...)" inside the path is rare; it only loses words).
_URL = re.compile(r"https?://[^\s<>\"'()\]\[]+")
_PIECES = re.compile(r"[^A-Za-z0-9]+")
# A name as it is typed: lower case, capitals, Capitalised or CamelCase ("MONAI", "wandb",
# "PyTorch"); "dQwXcQ"-like ids change case too often to be one.
_NAME = re.compile(r"[a-z]+|[A-Z]+|(?:[A-Z][a-z]+|[a-z]+)(?:[A-Z][a-z]+){0,3}[A-Z]?")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_MIN_LETTERS = 3
# Words at least this common in English (per billion words, symspellpy's counts: "sheets" 35,778,
# "slides" 12,919, "intro" 22,034 against "kafka" 916, "airflow" 1,923) are the addresses' own
# furniture ("cheat-sheets", "/slides/", "/abs/"), not names: a passage whose text says "google"
# and links a "cheat-sheets" page does not mention Google Sheets. A common word a passage means
# is in its text anyway.
_ENGLISH_PER_BILLION = 5_000
_NOISE_WORDS = """
    http https www com org net edu gov int mil info biz name pro dev app io ai co ly me tv
    html htm xhtml php asp aspx jsp cgi shtml md mdx rst txt pdf png jpg jpeg gif svg ipynb
    zip json xml yaml yml ics
    blob tree master main raw refs heads tags releases release commit commits pull pulls issues
    wiki wikis docs doc documentation blog blogs post posts news article articles page pages
    index default home readme src lib static assets content contents files file download
    downloads view watch embed channel playlist user users profile profiles about latest stable
    current version versions api apis reference guide guides learn tutorial tutorials
    amp utm ref source
    github githubusercontent gitlab bitbucket youtube youtu vimeo medium substack wordpress
    blogspot google goo googleapis microsoft amazon amazonaws aws azure cloud linkedin twitter
    facebook reddit stackoverflow stackexchange wikipedia wikimedia archive web
"""
_NOISE = frozenset(_NOISE_WORDS.split())
_COUNTRY_SECOND_LEVEL = frozenset(("co", "ac", "gov", "org", "com", "edu", "net"))


def address_words(markdown: str) -> list[str]:
    """The words of the absolute link addresses in `markdown` that name something, each once,
    in the order they first appear (see the module docstring)."""
    if "://" not in markdown:  # most passages link nothing
        return []
    found: dict[str, None] = {}
    for url in _URL.findall(markdown):
        for word in _url_words(url):
            found.setdefault(word, None)
    return list(found)


def _url_words(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[broken" and the like: no words rather than an error
        return []
    host = (parts.hostname or "").split(".")
    # The domain suffix: the last label, and a second-level one under a country code ("co.uk").
    if len(host) > 1:
        host = host[:-1]
        if len(host) > 1 and host[-1] in _COUNTRY_SECOND_LEVEL:
            host = host[:-1]
    segments = [*host, *parts.path.split("/")]
    return [word for segment in segments for word in _segment_words(segment)]


@functools.lru_cache(maxsize=8192)
def _segment_words(segment: str) -> tuple[str, ...]:
    # Cached: the same hosts and path words ("github", "docs", "en") come back in every link.
    out: list[str] = []
    for piece in _PIECES.split(segment):
        if not piece or not _NAME.fullmatch(piece):
            continue
        for part in (piece, *_CAMEL.findall(piece)) if _is_camel(piece) else (piece,):
            word = part.lower()
            if (
                len(word) >= _MIN_LETTERS
                and word not in _NOISE
                and per_billion(word) < _ENGLISH_PER_BILLION
            ):
                out.append(word)
    return tuple(out)


def _is_camel(piece: str) -> bool:
    """A name in camel case ("PyTorch", "LangChain"): its parts are words too."""
    # `piece` is letters only (_NAME): a capital after the first letter makes the rest not lower.
    return len(piece) > 1 and not piece.isupper() and not piece[1:].islower()
