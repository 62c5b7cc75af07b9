"""Transliteration-tolerant name matching for the duplicate warning at registration.

Names reach Ponte from oral accounts, written down by different operators in different
languages: the same man is "Mohammed" at one desk and "Muhammad" at another. Exact
comparison misses those duplicates, so names are compared through two lenses:

* a *skeleton*, a phonetic key that forgets what transliterations disagree on (vowels,
  doubled letters, silent h, spelling of the same sound), and
* the *surface*, the folded text itself, so that plain typos still score well.

A matching skeleton scores at least 0.9; otherwise the score is capped at 0.85, so a
one-consonant difference between two real names (Oluwaseun / Oluwasegun) never looks as
sure as a mere transliteration variant. Pure Python, standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import TypeVar

K = TypeVar("K")

# Latin letters that NFKD does not decompose into base letter + accent.
_UNDECOMPOSABLE = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)
# Arabic articles joined with a hyphen ("Abd al-Rahman", "El-Sayed") are spelled, dropped
# or glued on at will, so they are left out of token comparison (but kept in the joined key).
_ARTICLES = frozenset({"al", "el"})
# Applied in order. Each rule merges spellings of one sound that operators mix up.
_DIGRAPHS = (
    ("x", "ks"),  # Latin x is two sounds; frees "x" to stand for the sh sound below
    ("dj", "j"),  # Djamila / Jamila (French spelling of j)
    ("sh", "x"),  # Aisha and ...
    ("ch", "x"),  # ... Aïcha (French spelling of sh) share one symbol
    ("ph", "f"),  # Mustapha / Mustafa
    ("kh", "k"),  # Khalid / Kalid, Khan / Kan
    ("gh", "g"),  # Ghulam / Gulam; also Singh -> sing
    ("th", "t"),  # Fathima / Fatima
    ("dh", "d"),  # Dhruv / Druv
    ("q", "k"),  # Qasim / Kasim
    ("c", "k"),  # Carim / Karim (after ch, which is a different sound)
    ("w", "v"),  # Wahid / Vahid, Oluwa / Oluva
)
_VOWELS = frozenset("aeiouy")
_DOUBLES = re.compile(r"(.)\1+")


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free text with single spaces between tokens."""
    # casefold before NFKD: casefold("İ") yields i + a combining dot that NFKD then drops.
    text = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSABLE))
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "M" or category == "Lm":
            # Marks: Latin accents, Arabic harakat and Indic vowel signs alike are dropped,
            # the same forgetting of vowels the skeleton does. Modifier letters are the
            # ʿayn/hamza signs of scholarly transliteration (ʿAbd = Abd).
            continue
        # Hyphens, apostrophes and any other punctuation separate tokens ("al-Rahman").
        out.append(char if category[0] in "LN" else " ")
    return " ".join("".join(out).split())


def _token_key(token: str) -> str:
    for source, target in _DIGRAPHS:
        token = token.replace(source, target)
    if len(token) > 1 and token.endswith("h"):
        token = token[:-1]  # silent final h: Fatimah / Fatima, Shah / Sha
    # Doubles collapse before vowels go, so Kumaar = Kumar and Mohammed = Mohamed.
    token = _DOUBLES.sub(r"\1", token)
    if not token:
        return token
    # Vowels are what transliterations disagree on most (Mohammed / Muhammad, Hussain /
    # Hussein, Gurpreet / Gurprit, Youssef / Yusuf), so they are dropped, except that an
    # initial vowel leaves a mark "a" (Osman / Usman). An initial y is a consonant (Yusuf).
    # Known cost: Hassan and Hussein share the key "hsn"; a warning too many is cheaper
    # than a duplicate record.
    first = "a" if token[0] in _VOWELS - {"y"} else token[0]
    return first + "".join(char for char in token[1:] if char not in _VOWELS)


def _tokens(folded: str) -> list[str]:
    tokens = folded.split()
    kept = [token for token in tokens if token not in _ARTICLES]
    return kept or tokens


def skeleton(name: str) -> str:
    """Phonetic key of a name: one key per token, in the original order, space-separated."""
    return " ".join(_token_key(token) for token in _tokens(fold(name)))


def _joined_key(folded: str) -> str:
    # The whole name glued together: Abdelrahman = Abdul Rahman = Abd al-Rahman.
    return _token_key(folded.replace(" ", ""))


def _ratio(a: str, b: str) -> float:
    # SequenceMatcher is not symmetric on ties; a fixed argument order makes it so.
    first, second = sorted((a, b))
    return SequenceMatcher(None, first, second).ratio()


def _token_overlap(a: list[str], b: list[str]) -> float:
    """Order-insensitive token overlap: each token counts with its best match on the other side.

    Best matches in both directions rather than a one-to-one assignment: symmetric by
    construction, and a greedy assignment would depend on the order ties are broken in.
    """
    if not a or not b:
        return 0.0
    best_a = sum(max(_ratio(x, y) for y in b) for x in a)
    best_b = sum(max(_ratio(x, y) for x in a) for y in b)
    return (best_a + best_b) / (len(a) + len(b))


def similarity(a: str, b: str) -> float:
    """How likely two names are the same name written differently, in [0, 1]."""
    folded_a, folded_b = fold(a), fold(b)
    if not folded_a or not folded_b:
        return 0.0
    if folded_a == folded_b:
        return 1.0
    keys_a = [_token_key(token) for token in _tokens(folded_a)]
    keys_b = [_token_key(token) for token in _tokens(folded_b)]
    joined_a, joined_b = _joined_key(folded_a), _joined_key(folded_b)
    surface = max(
        _ratio(folded_a, folded_b),
        _ratio(" ".join(sorted(folded_a.split())), " ".join(sorted(folded_b.split()))),
    )
    if sorted(keys_a) == sorted(keys_b) or joined_a == joined_b:
        return 0.9 + 0.1 * surface
    phonetic = max(_token_overlap(keys_a, keys_b), _ratio(joined_a, joined_b))
    return 0.85 * (0.6 * phonetic + 0.4 * surface)


def name_search_key(given: str, family: str) -> str:
    """Text for `Person.name_search`: folded tokens, then their skeletons, then the joined key.

    A substring query with any of `query_tokens` then finds spelling variants.
    """
    folded = fold(f"{given} {family}")
    words = folded.split()
    many = len(words) > 1
    words += [_token_key(token) for token in _tokens(folded)]
    if many:
        words.append(_joined_key(folded))
    return " ".join(dict.fromkeys(word for word in words if word))


def query_tokens(given: str, family: str) -> list[str]:
    """Skeleton tokens for the SQL pre-filter (OR of `name_search__contains`)."""
    keys = [_token_key(token) for token in _tokens(fold(f"{given} {family}"))]
    keys = list(dict.fromkeys(key for key in keys if key))
    # A one-letter key ("x" for Shah) would match nearly every row; drop it unless alone.
    return [key for key in keys if len(key) > 1] or keys


def _person_score(query: tuple[str, str], candidate: tuple[str, str]) -> float:
    (query_given, query_family), (cand_given, cand_family) = query, candidate
    if not fold(query_family):
        # Alias-only queries (pseudonymous people): given names are all there is.
        return similarity(query_given, cand_given)
    if not fold(cand_family):
        # An alias-only record: one name agrees, the other is unknown, so less sure.
        return 0.9 * similarity(query_given, cand_given)
    straight = 0.5 * similarity(query_given, cand_given) + 0.5 * similarity(
        query_family, cand_family
    )
    # Operators do swap the fields when the order of names differs between cultures.
    swapped = 0.5 * similarity(query_given, cand_family) + 0.5 * similarity(
        query_family, cand_given
    )
    return max(straight, swapped)


def rank_candidates(
    query_given: str,
    query_family: str,
    candidates: Iterable[tuple[K, str, str]],
    *,
    threshold: float = 0.6,
) -> list[tuple[K, float]]:
    """Candidates `(key, given, family)` scoring at least `threshold`, best first."""
    scored = [
        (key, _person_score((query_given, query_family), (given, family)))
        for key, given, family in candidates
    ]
    # sorted is stable: equal scores keep the caller's order (e.g. most recent first).
    return sorted(
        ((key, score) for key, score in scored if score >= threshold),
        key=lambda item: -item[1],
    )
