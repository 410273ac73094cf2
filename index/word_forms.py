"""Words as every comparison reads them: accents folded, and the names never "corrected".

A learner types without accents: "geron's hands-on book" for an article by Aurélien Géron,
"cafe", "naive bayes", "resume" for "résumé". Wherever a question's words meet the corpus's
(BM25 tokens in index/lexical.py, the speller's vocabulary and its unknown words in
index/spelling.py, the best passage's word coverage in index/wording.py, the bundled
technology names), both sides are folded the same way by `fold`: Unicode compatibility
decomposition (NFKD), the Latin, Greek and Cyrillic diacritics (the combining marks
U+0300-U+036F) dropped, the rest composed again (NFC). Marks of other scripts are kept: a
Japanese voiced mark is part of the letter, not an accent a learner leaves out.

A bundled technology name (`index/technologies.txt`) is never a typo: "dask" is not "dark",
"redis" not "reds", "cuda" not "cuba" (bench/abstention_rounds.md, rounds 8 and 10). Their Zipf
frequencies overlap common misspellings', so no frequency rule tells them apart; the list does.
`technology_words` gives the words of those names; the speller keeps them as typed, and
index/calibration.py's absent-technology rule then sees them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

# The speller's words: keeps "c++", "node.js", "kube-proxy" whole.
_WORD = re.compile(r"[a-z][a-z0-9'+#.-]*[a-z0-9+#]|[a-z]")
_MARK = re.compile("[\u0300-\u036f]+")  # Combining Diacritical Marks (Latin, Greek, Cyrillic)
_TECHNOLOGIES = "technologies.txt"


def fold(text: str) -> str:
    """`text` with accents dropped ("Géron" -> "Geron", "naïve" -> "naive", "ﬁle" -> "file");
    case and every other character kept. ASCII text comes back as it is, at no cost."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", _MARK.sub("", unicodedata.normalize("NFKD", text)))


def words(text: str) -> list[str]:
    """Lower-cased, accent-folded words as the speller sees them (keeps "c++", "node.js")."""
    return _WORD.findall(fold(text).lower())


@functools.cache
def technology_words() -> frozenset[str]:
    """Every word of the bundled technology names (`index/technologies.txt`): never corrected.

    Read here, not through index/bundled.py, which imports the speller that asks for them."""
    text = resources.files("index").joinpath(_TECHNOLOGIES).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(w for line in lines if line and line[0] != "#" for w in words(line))
