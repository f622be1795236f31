"""Interim transcripts through a real Session: queued behind nothing but their own stream's earlier messages, always
before their final, redacted stricter than finals, and perishable (a failing enqueue only counts)."""

from __future__ import annotations

import itertools

import pytest
from connect_transcribe.gateway.session import SessionOutcome
from connect_transcribe.models.api import AutotranscribeParams, Role
from connect_transcribe.models.enums import RedactionOutput
from connect_transcribe.models.utterance import InterimMessage

from tests.unit.gateway.test_session_publish import UTTERANCES, Run, Sink
from tests.unit.speech.fakes import FakeEngine


def fast_clock() -> float:
    """The recognizer's clock: every call a second later, so only the audio's own time bounds the interim rate."""
    return float(next(_ticks))


_ticks = itertools.count()


@pytest.fixture
def engine():
    engine = FakeEngine(workers=2, clock=fast_clock)
    yield engine
    engine.close()


def run(engine: FakeEngine, sink: Sink, **params: object) -> Run:
    session = Run("g-interim", engine, sink, params=AutotranscribeParams(**params))  # type: ignore[arg-type]
    assert session.outcome() is SessionOutcome.ENDED
    return session


def test_interims_go_out_before_their_final_with_its_utterance_id(engine: FakeEngine) -> None:
    sink = Sink()
    session = run(engine, sink, interim_results=True)
    finals = {(m.role, m.sequence): m for m in sink.published}
    assert len(finals) == 2 * UTTERANCES
    assert sink.interims, "no interim was published"
    for position, message in enumerate(sink.log):
        if isinstance(message, InterimMessage):
            final = finals[(message.role, message.sequence)]
            assert message.utterance_id == final.utterance_id
            assert sink.log.index(final) > position, "an interim went out after its final"
            assert message.start_ms <= message.end_ms <= final.end_ms + 300
    revisions: dict[tuple[Role, int], list[int]] = {}
    for interim in sink.interims:
        revisions.setdefault((interim.role, interim.sequence), []).append(interim.revision)
    assert all(r == list(range(1, len(r) + 1)) for r in revisions.values())
    assert session.metrics.of("InterimsPublished") == [1.0] * len(sink.interims)


def test_without_interim_results_only_finals_are_published(engine: FakeEngine) -> None:
    sink = Sink()
    run(engine, sink)
    assert sink.interims == [] and len(sink.published) == 2 * UTTERANCES


def test_a_failing_interim_enqueue_is_dropped_and_the_finals_all_go_out(engine: FakeEngine) -> None:
    sink = Sink()
    sink.fail_interims = True
    session = run(engine, sink, interim_results=True)
    assert len(sink.published) == 2 * UTTERANCES
    assert sum(session.metrics.of("InterimsSkipped")) >= 1


def test_every_number_in_an_interim_is_masked_while_a_final_keeps_short_ones(engine: FakeEngine) -> None:
    """The fake decoder says "utterance N": a one-digit number, which the final policy keeps."""
    sink = Sink()
    run(engine, sink, interim_results=True, redaction_output=RedactionOutput.REDACTED_AND_UNREDACTED)
    assert all(m.text.startswith("utterance ") and m.text[-1].isdigit() for m in sink.published)
    interim = sink.interims[0]
    assert interim.text.startswith("utterance #") and interim.unredacted_text is not None
    assert interim.unredacted_text[-1].isdigit()
