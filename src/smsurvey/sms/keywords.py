"""STOP, START and HELP keywords in the languages respondents text in.

A keyword counts only when it is the whole message: ``Stop.``, `` stop `` and ``ARRÊTE!`` are
keywords, ``STOP PLEASE`` and ``please unsubscribe me`` are not (the rule of every vendor found:
Twilio, Braze, Telnyx, Alchemer; ``specs/sms-rules.md`` §3). Both sides are compared
:func:`fold`-ed, so case, accents, repeated spaces and punctuation around the word do not matter.

Sources are ``specs/sms-rules.md`` §3 and ``specs/providers.md`` §8. English is the union of the
vendor defaults (Twilio, AWS, Telnyx), so a number the provider itself opts out is opted out here
too; the other languages come from the open-source code that ``sms-rules.md`` §3 surveyed — no
vendor publishes them.

Deliberate choices, because a survey reply can be a keyword by accident:

* opting out when in doubt is the safe side (a wrong opt-out costs one response; texting someone
  who asked us to stop costs a complaint), so opt-out words that also mean something else stay:
  ``END`` (Twilio, AWS, Telnyx and Braze defaults), ``FIN`` (French list; "end" in French and
  Spanish), ``BAJA`` (Spanish list; also "low");
* bare ``NO``, ``NON``, ``NEIN`` (answers to yes/no questions), Spanish ``ALTO`` ("tall", "high")
  and ``PARA`` ("for") are not opt-out words (the "caution words" of ``sms-rules.md`` §3);
* opting back in is the unsafe side, so only unambiguous words opt in: ``YES`` does not (a late
  "Yes" to a survey question must not resubscribe anyone; US toll-free carriers do not take it
  either) and neither does Spanish ``ALTA`` ("high", the counterpart of "baja" = "low").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Keyword(StrEnum):
    """What a keyword asks for; the values are Twilio's ``OptOutType`` values."""

    STOP = "STOP"
    """Opt out: send nothing more to this number."""
    START = "START"
    """Opt back in."""
    HELP = "HELP"
    """Ask who is texting and how to opt out."""


KEYWORDS: Mapping[Keyword, Mapping[str, tuple[str, ...]]] = {
    Keyword.STOP: {
        # Twilio (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT), AWS (OPT-OUT,
        # REMOVE), Telnyx (STOP ALL); "OPT OUT" from the open-source lists.
        "en": (
            *("STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE"),
            *("OPTOUT", "OPT-OUT", "OPT OUT", "REMOVE"),
        ),
        # ARRET, ARRETE, ARRETT: Twilio Proxy; ARRET: AWS. STOP is English above.
        "fr": ("ARRÊT", "ARRÊTE", "ARRETT", "DÉSABONNER", "DÉSABONNEMENT", "FIN"),
        "es": ("BAJA", "PARAR", "CANCELAR", "DETENER", "SALIR", "DARME DE BAJA", "DAR DE BAJA"),
        "ca": ("BAIXA", "DONAR DE BAIXA"),
        "pt": ("SAIR", "PARE"),  # PARAR and CANCELAR are Spanish above
        "de": ("STOPP", "ABMELDEN", "ABBESTELLEN", "BEENDEN", "KEINE SMS"),
        "it": ("FERMA", "CANCELLA", "DISISCRIVITI"),
        "tr": ("DUR", "İPTAL", "ABONELİKTEN ÇIK", "ÇIKIŞ"),
        "he": ("הסר", "הפסק"),
        "zh": ("TD", "退订"),  # TD: AWS
    },
    Keyword.START: {
        # Twilio, Telnyx, US toll-free carriers (START, UNSTOP); Infobip via Adobe (SUBSCRIBE).
        "en": ("START", "UNSTOP", "SUBSCRIBE"),
        "de": ("ANMELDEN",),
    },
    Keyword.HELP: {
        "en": ("HELP", "INFO"),  # Twilio, Braze
        "fr": ("AIDE",),
        "es": ("AYUDA",),
        "pt": ("AJUDA",),
        "de": ("HILFE",),
        "it": ("AIUTO",),
    },
}
"""Keyword → language (ISO 639-1) → its words as written; a word shared by languages (STOP,
PARAR, CANCELAR) is listed once, under the first."""


@dataclass(frozen=True, slots=True)
class KeywordMatch:
    """A message that is a keyword: what it asks for, and the word from :data:`KEYWORDS`."""

    keyword: Keyword
    language: str
    """ISO 639-1 code of the language the word is listed under."""
    word: str


# Letters whose diacritic NFKD does not split off (Turkish dotless i, Polish ł, Nordic ø, đ).
_UNDECOMPOSED = str.maketrans("ıłøđ", "ilod")
_DROPPED = frozenset({"Mn", "Cf"})  # combining marks; format characters such as zero-width space


def fold(text: str) -> str:
    """``text`` reduced to what two replies must share to count as the same word: compatibility
    forms unified (NFKD), accents dropped, case folded, spaces collapsed to one, and spaces and
    punctuation (``.``, ``!``, ``¿``, quotes, …) at either end removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    kept = "".join(char for char in decomposed if unicodedata.category(char) not in _DROPPED)
    start, end = 0, len(kept)
    while start < end and _is_edge(kept[start]):
        start += 1
    while end > start and _is_edge(kept[end - 1]):
        end -= 1
    return " ".join(kept[start:end].split())


def _is_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


_MATCHES: Mapping[str, KeywordMatch] = {
    fold(word): KeywordMatch(keyword, language, word)
    for keyword, languages in KEYWORDS.items()
    for language, words in languages.items()
    for word in words
}


def match_keyword(text: str) -> KeywordMatch | None:
    """The keyword ``text`` is, or ``None`` when the whole message is not one."""
    return _MATCHES.get(fold(text))
