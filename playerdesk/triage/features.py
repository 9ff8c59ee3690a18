"""Words of a support message as the classifier and the rules see them.

Text is lower-cased and accent-folded (players often drop accents), apostrophes split words
("j'ai" → "j ai") and common chat spellings are expanded ("jai", "chu", "cant"). Each word is reduced to
a short stem (plural dropped, cut to six letters) so "withdrawal"/"withdrawals"/"withdraw" and
"vérification"/"verifier" meet; stop words of both languages are left out.
"""

from __future__ import annotations

import re
from functools import lru_cache

from playerdesk.core.text import fold

_WORD = re.compile(r"[a-z0-9$]+")
_APOSTROPHES = re.compile(r"['’`´]")
STEM_CHARS = 6

# Chat spellings of both languages, expanded before stemming.
EXPANSIONS: dict[str, tuple[str, ...]] = {
    "jai": ("j", "ai"),
    "cest": ("c", "est"),
    "chu": ("je", "suis"),
    "jsuis": ("je", "suis"),
    "jsais": ("je", "sais"),
    "pu": ("plus",),
    "pis": ("puis",),
    "quelquun": ("quelqu", "un"),
    "dautre": ("d", "autre"),
    "cant": ("can", "not"),
    "dont": ("do", "not"),
    "didnt": ("did", "not"),
    "doesnt": ("does", "not"),
    "wasnt": ("was", "not"),
    "isnt": ("is", "not"),
    "wont": ("will", "not"),
    "im": ("i", "am"),
    "ive": ("i", "have"),
    "u": ("you",),
    "pls": ("please",),
    "plz": ("please",),
    "svp": ("please",),
    "cell": ("cellulaire",),
    "appli": ("application",),
    "app": ("application",),
    "pw": ("password",),
    "pwd": ("password",),
    "mdp": ("mot", "de", "passe"),
}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _word_set(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being am do does
    did have has had i me my mine we our you your he she it its they them their this that these those
    there here what which who whom so than too very just can could would should will shall may might
    must not no yes hi hello hey thanks thank please dear regards up out about into over again also get
    got any some all one
    le la les l un une des du de d et ou mais si au aux en dans sur par pour avec sans ce cet cette ces
    c est sont etait ete etre ai as avons avez ont j je tu il elle on nous vous ils elles me te se m t s
    mon ma mes ton ta tes son sa ses notre votre nos vos leur leurs qui que qu quoi y ne pas plus
    bonjour allo salut bonsoir merci please oui non ca cela tres
    """
)


def raw_words(text: str) -> list[str]:
    """Folded words of ``text`` as written (language detection)."""
    return _WORD.findall(_APOSTROPHES.sub(" ", fold(text)))


def words(text: str) -> list[str]:
    """Folded words of ``text`` with chat spellings expanded."""
    out: list[str] = []
    for word in raw_words(text):
        out.extend(EXPANSIONS.get(word, (word,)))
    return out


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM_CHARS]


def features(text: str) -> tuple[list[str], dict[str, str]]:
    """(features, stem → a word of the text it came from): stems and adjacent stem pairs."""
    stems: list[str] = []
    surface: dict[str, str] = {}
    for word in words(text):
        if word in STOP_WORDS or (word.isdigit() and len(word) > 2):
            continue
        s = stem(word)
        stems.append(s)
        surface.setdefault(s, word)
    feats = list(dict.fromkeys(stems))
    for left, right in zip(stems, stems[1:], strict=False):
        pair = f"{left}_{right}"
        feats.append(pair)
        surface.setdefault(pair, f"{surface[left]} {surface[right]}")
    return list(dict.fromkeys(feats)), surface


def matchable(text: str) -> str:
    """Text as rules match it: folded, apostrophes as spaces, single spaces, padded with spaces."""
    return " " + " ".join(_WORD.findall(_APOSTROPHES.sub(" ", fold(text)))) + " "
