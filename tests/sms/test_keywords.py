"""STOP / START / HELP keywords: whole-message matching, by language."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsurvey.sms.keywords import KEYWORDS, Keyword, KeywordMatch, fold, match_keyword

STOP, START, HELP = Keyword.STOP, Keyword.START, Keyword.HELP

# The words sms-rules.md §3 lists, by the language each is reported in (a word shared by
# languages is reported in the first: STOP in English, PARAR and CANCELAR in Spanish).
WORDS: dict[tuple[Keyword, str], tuple[str, ...]] = {
    (STOP, "en"): (
        *("STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE"),
        *("OPTOUT", "OPT-OUT", "OPT OUT", "REMOVE"),
    ),
    (STOP, "fr"): ("ARRÊT", "ARRÊTE", "ARRETT", "DÉSABONNER", "DÉSABONNEMENT", "FIN"),
    (STOP, "es"): ("BAJA", "PARAR", "CANCELAR", "DETENER", "SALIR", "DARME DE BAJA", "DAR DE BAJA"),
    (STOP, "ca"): ("BAIXA", "DONAR DE BAIXA"),
    (STOP, "pt"): ("SAIR", "PARE"),
    (STOP, "de"): ("STOPP", "ABMELDEN", "ABBESTELLEN", "BEENDEN", "KEINE SMS"),
    (STOP, "it"): ("FERMA", "CANCELLA", "DISISCRIVITI"),
    (STOP, "tr"): ("DUR", "İPTAL", "ABONELİKTEN ÇIK", "ÇIKIŞ"),
    (STOP, "he"): ("הסר", "הפסק"),
    (STOP, "zh"): ("TD", "退订"),
    (START, "en"): ("START", "UNSTOP", "SUBSCRIBE"),
    (START, "de"): ("ANMELDEN",),
    (HELP, "en"): ("HELP", "INFO"),
    (HELP, "fr"): ("AIDE",),
    (HELP, "es"): ("AYUDA",),
    (HELP, "pt"): ("AJUDA",),
    (HELP, "de"): ("HILFE",),
    (HELP, "it"): ("AIUTO",),
}
LISTED = [
    (keyword, language, word) for (keyword, language), words in WORDS.items() for word in words
]


@pytest.mark.parametrize(("keyword", "language", "word"), LISTED, ids=lambda v: str(v))
def test_every_listed_word_is_its_keyword(keyword: Keyword, language: str, word: str) -> None:
    assert match_keyword(word) == KeywordMatch(keyword, language, word)
    assert match_keyword(word.lower()) == KeywordMatch(keyword, language, word)


def test_the_table_holds_exactly_the_listed_words() -> None:
    table = {
        (keyword, language, word)
        for keyword, languages in KEYWORDS.items()
        for language, words in languages.items()
        for word in words
    }
    assert table == set(LISTED)


def test_no_two_listed_words_fold_alike() -> None:
    folded = Counter(fold(word) for _, _, word in LISTED)
    assert [word for word, count in folded.items() if count > 1] == []


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("stop", "STOP"),
        ("Stop.", "STOP"),
        ("STOP!", "STOP"),
        ("  stop \n", "STOP"),
        ('"Stop"', "STOP"),
        ("(stop)", "STOP"),
        ("stop !!", "STOP"),
        ("Stop all", "STOP ALL"),
        ("stop \t  ALL", "STOP ALL"),
        ("opt-out", "OPT-OUT"),
        ("Opt  out.", "OPT OUT"),
        ("arret", "ARRÊT"),
        ("Arrêt", "ARRÊT"),
        ("ARRÉTE", "ARRÊTE"),  # the wrong accent is still an accent
        ("arre\u0302te", "ARRÊTE"),  # decomposed ê
        ("désabonner", "DÉSABONNER"),
        ("Desabonnement.", "DÉSABONNEMENT"),
        ("¡Baja!", "BAJA"),
        ("¿Parar?", "PARAR"),
        ("Dar de baja", "DAR DE BAJA"),
        ("«Fin»", "FIN"),
        ("Keine SMS", "KEINE SMS"),
        ("Stopp!", "STOPP"),
        ("ｓｔｏｐ", "STOP"),  # full-width
        ("\u200bSTOP", "STOP"),  # zero-width space pasted before it
        ("iptal", "İPTAL"),
        ("İptal", "İPTAL"),
        ("çıkış", "ÇIKIŞ"),  # dotless ı
        ("Abonelikten çık", "ABONELİKTEN ÇIK"),
        ("unstop", "UNSTOP"),
        ("Help?", "HELP"),
        ("info", "INFO"),
        ("Aide", "AIDE"),
    ],
)
def test_case_accents_spaces_and_punctuation_around_do_not_matter(text: str, word: str) -> None:
    match = match_keyword(text)
    assert match is not None
    assert match.word == word


@pytest.mark.parametrize(
    "text",
    [
        # caution words (sms-rules.md §3): answers to survey questions, not opt-outs
        *("NO", "No", "no.", "NON", "Nein", "ALTO", "alto", "PARA", "para"),
        # opting back in takes an unambiguous word
        *("YES", "Yes", "yes!", "ALTA", "alta", "Si", "OUI", "JA"),
        # a keyword inside a phrase is not a keyword
        *("STOP PLEASE", "please unsubscribe me", "Stop it", "stop stop", "I want to stop"),
        *("STOPPED", "s t o p", "st op", "help me", "Need info", "3 STOP"),
        # nothing to match
        *("", "   ", ".", "!!!", "\n"),
    ],
)
def test_other_messages_are_not_keywords(text: str) -> None:
    assert match_keyword(text) is None


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  Héllo   WORLD! ", "hello world"),
        ("Yes, please call me", "yes, please call me"),  # punctuation inside stays
        ("Straße", "strasse"),
        ("Ça va?", "ca va"),
        ("Smørrebrød", "smorrebrod"),
        ("Łódź", "lodz"),
        ("¿Qué?", "que"),
        ("$10", "$10"),  # symbols are not punctuation
        ("< 1 year", "< 1 year"),
        ("...", ""),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


_PADDING = st.text(alphabet=" \t\n.!?¡¿\"'()«»", max_size=4)


@given(
    listed=st.sampled_from(LISTED),
    lowered=st.lists(st.booleans(), min_size=30, max_size=30),
    before=_PADDING,
    after=_PADDING,
)
def test_any_casing_and_padding_of_a_listed_word_matches(
    listed: tuple[Keyword, str, str], lowered: list[bool], before: str, after: str
) -> None:
    keyword, language, word = listed
    cased = "".join(c.lower() if low else c for c, low in zip(word, lowered, strict=False))
    assert match_keyword(f"{before}{cased}{after}") == KeywordMatch(keyword, language, word)
