"""autotranscribeParams.customVocabulary: optional, off by default, and every breach of a limit a precise message
naming the entry and field."""

from __future__ import annotations

from typing import Any

import pytest
from connect_transcribe.api.errors import describe_validation_error
from connect_transcribe.models.api import StartStreamingRequest
from connect_transcribe.models.vocabulary import MAX_ENTRIES
from pydantic import ValidationError

from tests.factories import start_body


def start_with(vocabulary: Any) -> dict[str, Any]:
    return start_body(autotranscribeParams={"language": "en-US", "customVocabulary": vocabulary})


def error_of(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        StartStreamingRequest.model_validate(body)
    return describe_validation_error(info.value)


def test_vocabulary_is_absent_by_default_and_not_written_back() -> None:
    params = StartStreamingRequest.model_validate(start_body()).autotranscribe_params

    assert params.custom_vocabulary is None
    assert "customVocabulary" not in params.model_dump(by_alias=True, exclude_none=True)


def test_entries_are_read_in_the_autotranscribe_shape_and_trimmed() -> None:
    body = start_with([{"phrase": " Contoso ", "soundsLike": ["con toe so"]}, {"phrase": "AT&T U-verse 2.0"}])

    (first, second) = StartStreamingRequest.model_validate(body).autotranscribe_params.custom_vocabulary or ()

    assert (first.phrase, first.sounds_like) == ("Contoso", ("con toe so",))
    assert (second.phrase, second.sounds_like) == ("AT&T U-verse 2.0", ())


def test_stored_snake_case_form_reads_back() -> None:
    """Conversation and SessionJob store the params by field name (sounds_like), and read them back."""
    params = StartStreamingRequest.model_validate(
        start_with([{"phrase": "Zyntrix", "soundsLike": ["zin tricks"]}])
    ).autotranscribe_params
    again = type(params).model_validate(params.model_dump(mode="json"))
    assert again == params


@pytest.mark.parametrize(
    ("vocabulary", "expected"),
    [
        ("Contoso", "autotranscribeParams.customVocabulary: must be a list of entries"),
        (
            [{"phrase": f"Name {i}"} for i in range(MAX_ENTRIES + 1)],
            "autotranscribeParams.customVocabulary: must hold at most 100 entries, got 101",
        ),
        (
            [{"phrase": "Contoso"}, {"phrase": "Fabrikam"}, {"phrase": "North"}, {"phrase": "wind_2"}],
            "autotranscribeParams.customVocabulary[3].phrase: may only hold letters, digits, spaces and ' - . / &",
        ),
        ([{"soundsLike": ["x"]}], "autotranscribeParams.customVocabulary[0].phrase: is required"),
        (
            [{"phrase": "   "}],
            "autotranscribeParams.customVocabulary[0].phrase: String should have at least 1 character",
        ),
        (
            [{"phrase": "x" * 65}],
            "autotranscribeParams.customVocabulary[0].phrase: String should have at most 64 characters",
        ),
        (
            [{"phrase": "..."}],
            "autotranscribeParams.customVocabulary[0].phrase: must hold at least one letter or digit",
        ),
        (
            [{"phrase": "Con  toso"}],
            "autotranscribeParams.customVocabulary[0].phrase: must not hold two spaces in a row",
        ),
        ([{"phrase": 7}], "autotranscribeParams.customVocabulary[0].phrase: Input should be a valid string"),
        (
            [{"phrase": "Contoso", "soundsLike": ["a", "b", "c", "d", "e", "f"]}],
            "autotranscribeParams.customVocabulary[0].soundsLike: must hold at most 5 spellings, got 6",
        ),
        (
            [{"phrase": "Contoso", "soundsLike": "con toe so"}],
            "autotranscribeParams.customVocabulary[0].soundsLike: must be a list of spellings",
        ),
        (
            [{"phrase": "Contoso", "soundsLike": ["con", "toe<so>"]}],
            "autotranscribeParams.customVocabulary[0].soundsLike[1]: may only hold letters",
        ),
        (
            [{"phrase": "Contoso", "sounds": ["con toe so"]}],
            "autotranscribeParams.customVocabulary[0].sounds: is not a recognised field",
        ),
    ],
)
def test_bad_vocabulary_is_rejected_naming_the_field(vocabulary: Any, expected: str) -> None:
    assert error_of(start_with(vocabulary)).startswith(expected)
