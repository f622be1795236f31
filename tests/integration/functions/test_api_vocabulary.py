"""autotranscribeParams.customVocabulary through the real API handler: carried to the media gateway in the session
job, fixed at the first start, and a bad entry a 400-02 that names it."""

from __future__ import annotations

import json
from typing import Any

from connect_transcribe.models.session import SessionJob
from connect_transcribe.speech.vocabulary import Term, terms_from

from functions.api.handler import handler
from tests.conftest import AwsResources
from tests.factories import START_PATH, api_event, lambda_context, start_body

VOCABULARY = [{"phrase": "Contoso", "soundsLike": ["con toe so"]}, {"phrase": "Kaelani Brzezinski"}]


def call(body: Any) -> tuple[int, dict[str, Any]]:
    result = handler(api_event(START_PATH, body), lambda_context("api"))
    return result["statusCode"], json.loads(result["body"])


def with_vocabulary(vocabulary: Any, **overrides: Any) -> dict[str, Any]:
    return start_body(autotranscribeParams={"language": "en-US", "customVocabulary": vocabulary}, **overrides)


def test_the_start_s_vocabulary_reaches_the_gateway_in_the_session_job(api_env: AwsResources) -> None:
    status, _ = call(with_vocabulary(VOCABULARY))

    assert status == 200
    [body] = api_env.jobs()
    job = SessionJob.model_validate_json(body)
    assert terms_from(job.settings.custom_vocabulary) == (
        Term("Contoso", ("con toe so",)),
        Term("Kaelani Brzezinski", ()),
    )


def test_a_start_without_vocabulary_queues_none(api_env: AwsResources) -> None:
    call(start_body())

    [body] = api_env.jobs()
    assert SessionJob.model_validate_json(body).settings.custom_vocabulary is None


def test_a_later_start_with_another_vocabulary_is_a_conflict(api_env: AwsResources) -> None:
    body = with_vocabulary(VOCABULARY)
    call(body)

    status, reply = call(with_vocabulary(VOCABULARY[:1], guid=body["guid"]))

    assert status == 409
    assert reply["error"]["message"].startswith("autotranscribeParams.customVocabulary: differs")


def test_a_bad_entry_is_a_400_naming_it_and_nothing_is_stored(api_env: AwsResources) -> None:
    vocabulary = [*VOCABULARY, {"phrase": "Fabrikam"}, {"phrase": "Nimbus_Pro"}]

    status, reply = call(with_vocabulary(vocabulary))

    assert status == 400
    assert reply["error"]["code"] == "400-02"
    assert reply["error"]["message"] == (
        "autotranscribeParams.customVocabulary[3].phrase: may only hold letters, digits, spaces and ' - . / &"
    )
    assert api_env.items() == [] and api_env.jobs() == []
