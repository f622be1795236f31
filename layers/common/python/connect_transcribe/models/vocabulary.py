"""Custom vocabulary on the wire: the phrases (brand, product and person names) a start request or the deployment
config asks the decoder to expect, in the shape of AutoTranscribe's own vocabulary API.

Limits (each breach is a 400-02 naming the field, e.g. `autotranscribeParams.customVocabulary[3].phrase`):
at most MAX_ENTRIES entries; a phrase is 1-64 characters of letters, digits, spaces and ' - . / &, with at least
one letter or digit; at most MAX_SOUNDS_LIKE `soundsLike` spellings per phrase, each 1-64 characters of the same
set. Only about MAX_PROMPT_TOKENS worth of phrases reach the decoder (speech/vocabulary.py): the rest are
accepted but only used for the soundsLike correction.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

MAX_ENTRIES = 100
MAX_PHRASE_CHARS = 64
MAX_SOUNDS_LIKE = 5

_ALLOWED = re.compile(r"^[\w '\-./&]+$")
_ALLOWED_TEXT = "letters, digits, spaces and ' - . / &"


def _phrase_text(value: str) -> str:
    if "_" in value or not _ALLOWED.match(value):
        raise ValueError(f"may only hold {_ALLOWED_TEXT}")
    if not any(ch.isalnum() for ch in value):
        raise ValueError("must hold at least one letter or digit")
    if "  " in value:
        raise ValueError("must not hold two spaces in a row")
    return value


def _at_most(limit: int, what: str) -> BeforeValidator:
    """A JSON array of at most `limit` items (pydantic's own message would speak of tuples)."""

    def check(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError(f"must be a list of {what}")
        if len(value) > limit:
            raise ValueError(f"must hold at most {limit} {what}, got {len(value)}")
        return value

    return BeforeValidator(check)


PhraseText = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=MAX_PHRASE_CHARS),
    AfterValidator(_phrase_text),
]


class VocabularyEntry(BaseModel):
    """One phrase to expect, and how it may come out when misheard ("con toe so" for "Contoso")."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    phrase: PhraseText
    sounds_like: Annotated[
        tuple[PhraseText, ...],
        _at_most(MAX_SOUNDS_LIKE, "spellings"),
        Field(json_schema_extra={"maxItems": MAX_SOUNDS_LIKE}),
    ] = ()


CustomVocabulary = Annotated[
    tuple[VocabularyEntry, ...],
    _at_most(MAX_ENTRIES, "entries"),
    Field(json_schema_extra={"maxItems": MAX_ENTRIES}),
]
