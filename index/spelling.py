"""Question words checked against the corpus's own vocabulary: typos fixed, unknown words kept.

A learner types "reccomended corse for machien lerning". Each word that is not a word of the
knowledge base is looked up with symspellpy (symmetric-delete, Damerau-OSA distance) among the
corpus's words: the closest, then the most frequent, wins. The corrected question is what both
the model and BM25 read, so two or three typos no longer sink the embedding.

Only words that are not real English are corrected: "profiles", "swift" or "unity" missing from
a corpus are not typos of "provides", "shift" or "unit". How common a word is in English comes
from the frequency list symspellpy ships (82,765 words counted in a large English corpus).
Words shorter than four letters are never corrected ("bgp" is not a typo of "gpu").

Names are left alone too: "linkedin" is not a typo of "linked", nor "wordpress" two words. A
word is a name when the larger vocabulary of the `wordfreq` package (web text, social media,
subtitles; brand and product names included) counts it at least about once per million words,
above where even common misspellings sit ("thier" 2.99, "definately" 2.87 on its Zipf scale,
"github" 3.18), or when it is typed like a name: capitalised in mid-sentence ("Kotlin"), in
camel case ("SwiftUI"), all capitals ("VLAN") or with digits ("G1").

A rarer real word is not corrected into a corpus word either: "coroutines" (Zipf 1.4 in wordfreq)
is one edit from a Go tree's "goroutines" (never seen in wordfreq's English), and a learner who
types it asks about Kotlin or Python, not Go. A misspelling is far rarer than the word it
misspells ("lerning" is unknown to wordfreq, "corse" 2.4 against "course" 5.3), so a correction
must be at least ten times as common in English as the word typed (`_TYPO_ODDS`); otherwise the
word stays as typed and counts as unknown.

A correction keeps the typed word's first letter (or swaps its first two): learners misspell
the middle of a word, and a term the corpus lacks is not a typo of a corpus word that starts
differently ("vlan" is not "plan", "iptables" not "tables"); such a word stays unknown.

A misspelt form of a word the corpus uses only in another form ("reccomended" where it says
"recommendation") is corrected through the stems: the corpus's stem with the ending typed.

A topic word that matches nothing in the corpus, even after correction and stemming, is
reported as unknown: a distinctive word the knowledge base never uses ("autovacuum", "redux")
is evidence that the question is not covered (index/calibration.py weighs it).

Compounds the corpus writes in two pieces ("post-mortem") are read as it writes them
(index/compounds.py: held out 1212 -> 1213 of 1261, bench/abstention_rounds.md round 9).
Words are compared accent-folded ("geron" is the corpus's "Géron"), and a bundled technology
name ("dask", "redis", "cuda") is never corrected into a corpus word (index/word_forms.py).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from index.compounds import most_used, written_apart
from index.word_forms import fold, technology_words
from index.word_forms import words as words  # re-exported: the index reads words from here

# English words at least this common (per billion words; about the 600 most frequent: "how",
# "does", "really", "work") carry no topic: never unknown evidence, never corrected.
_COMMON_PER_BILLION = 150_000
# A word this common in English is not a typo even when the corpus lacks it.
_REAL_WORD_PER_BILLION = 1_000
_MIN_CORRECT_LEN = 4
# Words absent from English altogether may be two edits away from this length on
# ("reccomended"); others one edit ("corse", "lerning").
_TWO_EDITS_LEN = 8
_MIN_SPLIT_PART = 3  # "crossvalidation" = "cross validation"; no one- or two-letter pieces
# wordfreq's Zipf value (log10 of uses per billion words) from which a word is a name or a real
# word: "github" 3.18, "linkedin" 3.63; common misspellings stay below ("thier" 2.99).
_NAME_ZIPF = 3.1
# From here on (once per ~30,000 words of web text) a word the corpus lacks is no evidence
# that a question is off-topic: "vs" 4.85, "till" 4.79, "terrible" 4.71 are; "swift" 4.15,
# "pin" 4.28, "kernel" 3.58 still count. Unknown "vs" and "im" marked on-topic questions of
# the eval sets as not covered (bench/abstention.py, held out, on the sets before the second
# round of issue 12 added to them: knowledge 0.981 -> 0.987, roadmap-sh 0.942 -> 0.947,
# learning-paths unchanged).
_EVERYDAY_ZIPF = 4.5
# A correction is at least this many Zipf units (log10 of frequency) more common in English than
# the word typed: ten times. Typos sit far below their word ("stopp" 1.6, "stop" 5.6); a real
# word outside the corpus does not ("coroutines" 1.4 against the corpus's "goroutines" 0).
_TYPO_ODDS = 1.0
# What `to_json` writes; a file of another format (before compounds were counted, issue 12
# round 9; before accents were folded, round 10) is counted again, and the calibration
# measured through it too (its cache key).
FORMAT = "folded-3"
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'+#.-]*[A-Za-z0-9+#]|[A-Za-z]")


@dataclass(frozen=True)
class Checked:
    """A question after spelling: the text to search with and what was found in it."""

    question: str  # as asked
    text: str  # with misspelt words corrected
    corrections: tuple[tuple[str, str], ...]  # (as typed, corrected)
    known: tuple[str, ...]  # words the corpus uses (after correction)
    unknown: tuple[str, ...]  # topic words the corpus never uses


@cache
def _english() -> tuple[dict[str, int], int]:
    """symspellpy's English word counts and their total."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, count = line.partition(" ")
        counts[word] = int(count)
    return counts, sum(counts.values())


def _per_billion(word: str) -> float:
    counts, total = _english()
    return counts.get(word, 0) * 1e9 / total


def per_billion(word: str) -> float:
    """How often a word is used in English, per billion words (symspellpy's counts)."""
    return _per_billion(word)


def rarity(word: str) -> float:
    """How rare a word is in English, 0 (the commonest) to 1 (never seen: "autovacuum")."""
    counts, total = _english()
    return math.log(total / max(counts.get(word, 0), 1)) / math.log(total)


def is_common(word: str) -> bool:
    """True for everyday English words ("how", "does", "really") that carry no topic."""
    return _per_billion(word) >= _COMMON_PER_BILLION


def is_everyday(word: str) -> bool:
    """True for words a corpus may lack that still name no topic: everyday English, and
    what symspellpy's word list lacks but web text uses as much ("vs", "im", "till"). Only
    plain words: wordfreq reads "c++" or "c#" as the letter "c"."""
    return is_common(word) or (word.isalpha() and zipf(word) >= _EVERYDAY_ZIPF)


@cache
def zipf(word: str) -> float:
    """How common a word is in English on wordfreq's Zipf scale (0 for a word it never saw)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def is_name(word: str) -> bool:
    """True for a word (lower case) that a larger vocabulary knows: a name, not a typo."""
    return zipf(word) >= _NAME_ZIPF


def same_start(word: str, correction: str) -> bool:
    """True when a correction keeps the word's first letter, or swaps its first two.

    Learners misspell the middle and end of a word, rarely its first letter; a "correction"
    that changes it turns a term the corpus lacks into another word: "vlan" is not a typo of
    "plan", nor "iptables" of "tables"."""
    swapped = word[1:2] + word[:1] + word[2:3]
    return word[:1] == correction[:1] or (len(word) > 1 and swapped == correction[:3])


def likely_typo(word: str, correction: str) -> bool:
    """True when `word` is far rarer in English than `correction` (see `_TYPO_ODDS`) and the
    correction keeps its first letter (`same_start`)."""
    if not same_start(word, correction):
        return False
    typed = zipf(word)
    return typed == 0.0 or zipf(correction) >= typed + _TYPO_ODDS


def typed_as_names(question: str) -> set[str]:
    """Words (lower case) typed like names: "Kotlin" mid-sentence, "SwiftUI", "VLAN", "G1"."""
    names: set[str] = set()
    question = fold(question)  # "Géron" is one name, not "G" and "ron"
    for m in _TOKEN.finditer(question):
        token = m.group(0)
        before = question[: m.start()].rstrip()
        sentence_start = not before or before[-1] in ".!?:"
        if (
            (token[0].isupper() and not sentence_start)
            or any(c.isdigit() for c in token)
            or re.search(r"[a-z][A-Z]", token)
            or (len(token) > 1 and token.isupper())
        ):
            names.add(token.lower())
    return names


def _max_edits(word: str) -> int:
    """How many edits away a misspelt word may be from its correction (0: leave it)."""
    if len(word) < _MIN_CORRECT_LEN or not word.isalpha():
        return 0
    frequency = _per_billion(word)
    if frequency >= _REAL_WORD_PER_BILLION or is_name(word):
        return 0
    return 2 if frequency == 0 and len(word) >= _TWO_EDITS_LEN else 1


def _edits(a: str, b: str, limit: int) -> int:
    """Damerau-OSA distance between two words, -1 beyond `limit` (symspellpy's, as lookups)."""
    from symspellpy.editdistance import DistanceAlgorithm, EditDistance

    return int(EditDistance(DistanceAlgorithm.DAMERAU_OSA).compare(a, b, limit))


@cache
def _english_dictionary() -> Any:
    """Real English words (`_REAL_WORD_PER_BILLION` and up, ~28,000), one edit deep: built at
    the first typo the corpus cannot correct (~0.2 s, ~20 MB), then shared by every corpus."""
    from symspellpy import SymSpell

    counts, total = _english()
    symspell = SymSpell(max_dictionary_edit_distance=1, prefix_length=7)
    for word, n in counts.items():
        if (
            len(word) >= _MIN_CORRECT_LEN
            and word.isalpha()
            and n * 1e9 / total >= _REAL_WORD_PER_BILLION
        ):
            symspell.create_dictionary_entry(word, n)
    return symspell


_english_lock = threading.Lock()  # one dictionary for every corpus and thread


def english_fix(word: str) -> str | None:
    """The English word one edit from a typo that no corpus word explains ("monhts": "months"),
    the most common if several; None when the word is no likely typo of one."""
    from symspellpy import Verbosity

    with _english_lock:
        found = _english_dictionary().lookup(word, Verbosity.CLOSEST, max_edit_distance=1)
    if not found:
        return None
    term: str = min(found, key=lambda s: (-s.count, s.term)).term
    return term if likely_typo(word, term) else None


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def stems(items: list[str]) -> list[str]:
    """English stems (PyStemmer, the stemmer BM25 uses)."""
    out: list[str] = _stemmer().stemWords(items)
    return out


class Speller:
    """The vocabulary of one knowledge base: corrects question words, says which are unknown."""

    def __init__(self, passages: Iterable[str]) -> None:
        """Count words and, per stem, the passages using it (`passages`: one text per chunk)."""
        self._counts: Counter[str] = Counter()
        self._df: Counter[str] = Counter()
        self._passages = 0
        # (stem of the joined form, as the corpus writes it): see index/compounds.py
        self._compounds: Counter[tuple[str, str]] = Counter()
        self._written: dict[str, str] | None = None  # stem -> most used form, at first need
        self._add(passages, 1)
        self._symspell: Any = None
        self._stem_symspell: Any = None  # the corpus's stems, built at the first need
        self._stem_form: dict[str, str] = {}
        self._lock = threading.Lock()

    def _add(self, passages: Iterable[str], sign: int) -> None:
        """Count `passages` in (sign 1) or out (sign -1): the counts are sums over passages."""
        counts: Counter[str] = Counter()
        apart: Counter[tuple[str, str]] = Counter()
        per_passage: list[set[str]] = []
        for text in passages:
            found = words(text)
            counts.update(found)
            apart.update(written_apart(found))
            per_passage.append(set(found))
        vocabulary = list(counts)
        stem_of = dict(zip(vocabulary, stems(vocabulary), strict=True))
        df: Counter[str] = Counter()
        for passage in per_passage:
            df.update({stem_of[w] for w in passage})
        joined = list({j for j, _ in apart})
        joined_stem = dict(zip(joined, stems(joined), strict=True))
        compounds = Counter({(joined_stem[j], w): n for (j, w), n in apart.items()})
        if sign > 0:
            self._counts.update(counts)
            self._df.update(df)
            self._compounds.update(compounds)
        else:  # Counter subtraction drops the words no passage uses any more
            self._counts.subtract(counts)
            self._df.subtract(df)
            self._compounds.subtract(compounds)
            self._counts = +self._counts
            self._df = +self._df
            self._compounds = +self._compounds
        self._passages += sign * len(per_passage)

    def updated(self, removed: Iterable[str], added: Iterable[str]) -> Speller:
        """This vocabulary after a reload: only the passages that changed are read again
        (at 24,000 passages, rebuilding from all of them took about 2 s)."""
        new = Speller(())
        new._counts, new._df = Counter(self._counts), Counter(self._df)
        new._compounds = Counter(self._compounds)
        new._passages = self._passages
        new._add(removed, -1)
        new._add(added, 1)
        return new

    def to_json(self) -> dict[str, Any]:
        """The counts, to be saved beside the index (a start reads them instead of re-counting)."""
        # Sorted: the same vocabulary always saves the same file, however it was counted.
        compounds = [[stem, written, n] for (stem, written), n in sorted(self._compounds.items())]
        return {
            "format": FORMAT,
            "passages": self._passages,
            "counts": self._counts,
            "df": self._df,
            "compounds": compounds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Speller:
        """A speller from `to_json`'s output (raises KeyError/TypeError/ValueError if damaged)."""
        if data.get("format") != FORMAT:
            raise ValueError("a speller file of another format: counted again")
        speller = cls(())
        speller._counts = Counter({str(w): int(n) for w, n in data["counts"].items()})
        speller._df = Counter({str(w): int(n) for w, n in data["df"].items()})
        speller._passages = int(data["passages"])
        speller._compounds = Counter(
            {(str(stem), str(written)): int(n) for stem, written, n in data["compounds"]}
        )
        return speller

    def idf(self, word: str) -> float:
        """How distinctive a word is in this corpus (a word it never uses is the most)."""
        n = self._df.get(stems([word])[0], 0)
        return math.log((self._passages + 1) / (n + 0.5))

    def weight(self, word: str) -> float:
        """What a question word says about the topic: its IDF in the corpus; for a word the
        corpus never uses, the highest IDF scaled by how rare the word is in English (a
        missing "autovacuum" says more than a missing "terrible")."""
        if self.knows(word):
            return self.idf(word)
        return self.idf(word) * rarity(word)

    def knows(self, word: str) -> bool:
        """True when the corpus uses the word (lower case) or another form of it."""
        return word in self._counts or bool(self._df.get(stems([word])[0]))

    def compound(self, word: str) -> str | None:
        """How the corpus writes a compound the question writes otherwise, or None:
        "post-mortem" for "postmortems", "health check" for "healthcheck", "frontend" for
        "front-end" (index/compounds.py)."""
        joined = word.replace("-", "")
        if not joined.isalpha():
            return None
        if joined != word and self.knows(joined):
            return joined  # hyphenated in the question, one word in the corpus
        with self._lock:
            if self._written is None:
                self._written = most_used(self._compounds)
        return self._written.get(stems([joined])[0])

    def _dictionary(self) -> Any:
        from symspellpy import SymSpell

        with self._lock:  # built on first need: most questions have no typo
            if self._symspell is None:
                symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
                for w, n in self._counts.items():
                    if len(w) >= _MIN_CORRECT_LEN - 1 and w.isalpha():
                        symspell.create_dictionary_entry(w, n)
                self._symspell = symspell
            return self._symspell

    def _stem_dictionary(self) -> tuple[Any, dict[str, str]]:
        """The corpus's stems, each with the word form the corpus uses most."""
        from symspellpy import SymSpell

        with self._lock:
            if self._stem_symspell is None:
                vocabulary = [w for w in self._counts if len(w) >= _MIN_CORRECT_LEN and w.isalpha()]
                form: dict[str, str] = {}
                for w, stem in zip(vocabulary, stems(vocabulary), strict=True):
                    if stem not in form or self._counts[w] > self._counts[form[stem]]:
                        form[stem] = w
                symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
                for stem, w in form.items():
                    symspell.create_dictionary_entry(stem, self._counts[w])
                self._stem_symspell, self._stem_form = symspell, form
            return self._stem_symspell, self._stem_form

    def _lookup_stem(self, word: str, distance: int) -> str | None:
        """A misspelt inflection of a word the corpus uses in another form: "reccomended" where
        the corpus says "recommendation" is "recommended" (the corpus's stem, the typed ending)."""
        from symspellpy import Verbosity

        symspell, form = self._stem_dictionary()
        typed = stems([word])[0]
        found = symspell.lookup(typed, Verbosity.CLOSEST, max_edit_distance=distance)
        if not found:
            return None
        stem: str = min(found, key=lambda s: (-s.count, s.term)).term
        fix = stem + word[len(typed) :] if word.startswith(typed) else form[stem]
        return fix if likely_typo(word, fix) else None

    def _form_of_stem(self, word: str) -> str | None:
        """The corpus's word for a misspelling that only its stem matches: "becom" stems like
        "become" but is no word of English or of the corpus, so the model would read a typo.
        Real words the corpus uses in another form ("recommendations") are left as typed."""
        distance = _max_edits(word)
        if word in self._counts or not distance or not self.knows(word):
            return None
        fix = self._stem_dictionary()[1].get(stems([word])[0])
        if not fix or fix == word or _edits(word, fix, distance) < 0:
            return None  # "tokenizers" is not a typo of the corpus's "tokens"
        return fix if likely_typo(word, fix) else None

    def _split(self, word: str) -> list[str]:
        """Corpus words run together ("crossvalidation"), or [] when it is not that."""
        if len(word) < 2 * _MIN_SPLIT_PART or not word.isalpha() or _per_billion(word) > 0:
            return []  # "profiles" is a word, not "pro files"
        if is_name(word):
            return []  # "wordpress" is a name, not "word press"
        dictionary = self._dictionary()
        if not dictionary.words:
            return []  # symspellpy's segmentation raises StopIteration on an empty dictionary
        parts: list[str] = dictionary.word_segmentation(word, 0).corrected_string.split()
        if len(parts) < 2 or any(len(p) < _MIN_SPLIT_PART or p not in self._counts for p in parts):
            return []
        return parts

    def _lookup(self, word: str, distance: int) -> str | None:
        from symspellpy import Verbosity

        found = self._dictionary().lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
        if not found:
            return None
        # All at the closest distance: the word the corpus uses most, then alphabetical.
        best = min(found, key=lambda s: (-s.count, s.term))
        term: str = best.term
        return term if likely_typo(word, term) else None

    def check(self, question: str) -> Checked:
        """The question with misspelt words replaced by corpus words, and its unknown words."""
        fixed: dict[str, str] = {}
        known: list[str] = []
        unknown: list[str] = []
        names = typed_as_names(question)
        for word in dict.fromkeys(words(question)):
            if word.isdigit():
                continue
            if fix := self._form_of_stem(word):
                fixed[word] = fix
                known.append(fix)
            elif self.knows(word):
                known.append(word)  # everyday words too: their low IDF says how little
            elif is_everyday(word):
                continue  # an everyday word the corpus happens not to use is no evidence
            elif written := self.compound(word):
                # "postmortems" where the corpus writes "post-mortem": known, and searched
                # as the corpus writes it so that BM25 matches it too.
                fixed[word] = written
                known.extend(written.split())
            elif word in names or word in technology_words():
                # "Kotlin", "SwiftUI", "dask": a name the corpus never uses, not a typo
                unknown.append(word)
            elif (distance := _max_edits(word)) and (
                fix := self._lookup(word, distance) or self._lookup_stem(word, distance)
            ):
                fixed[word] = fix
                known.append(fix)
            elif distance and (fix := english_fix(word)):
                # A typo of a word the corpus never uses ("monhts", "hierd"): read as the
                # word meant, it weighs as that word would, typed right.
                fixed[word] = fix
                if self.knows(fix):
                    known.append(fix)
                elif not is_everyday(fix):
                    unknown.append(fix)
            elif parts := self._split(word):
                fixed[word] = " ".join(parts)
                known.extend(parts)
            else:
                unknown.append(word)
        text = question
        if fixed:
            pattern = re.compile(r"\b(" + "|".join(map(re.escape, fixed)) + r")\b", re.IGNORECASE)
            text = pattern.sub(lambda m: fixed[m.group(0).lower()], fold(question))
        return Checked(question, text, tuple(fixed.items()), tuple(known), tuple(unknown))
