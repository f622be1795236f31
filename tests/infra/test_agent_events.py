"""Pause on hold (infra/constructs/agent_events.py): deployed only with `agent_event_stream_arn`; its Kinesis event
source settings; its role holds exactly what pause and resume need; cdk-nag clean."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match
from cdk_nag import AwsSolutionsChecks

from infra.config import DeploymentConfig

STREAM_ARN = "arn:aws:kinesis:eu-west-2:123456789012:stream/connect-agent-events"
STREAM_KEY_ARN = "arn:aws:kms:eu-west-2:123456789012:key/1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
# The same dict as tests/infra/test_settings_contract.py, so the session's synth cache builds it once.
AGENT_EVENTS_CONTEXT: dict[str, Any] = {
    "agent_event_stream_arn": STREAM_ARN,
    "agent_event_stream_kms_key_arn": STREAM_KEY_ARN,
    "contact_id_source": "InitialContactId",
}
MARKER = "pause on hold"


@pytest.fixture(scope="module")
def agent_synth(synth):
    return synth(AGENT_EVENTS_CONTEXT)


def _function(template) -> tuple[str, dict[str, Any]]:
    [(logical_id, fn)] = [
        (lid, fn)
        for lid, fn in template.find_resources("AWS::Lambda::Function").items()
        if MARKER in fn["Properties"].get("Description", "")
    ]
    return logical_id, fn


def _role_statements(template, function: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        p for p in template.find_resources("AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    return [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_nothing_is_deployed_without_the_stream(default_synth) -> None:
    template = default_synth.template
    assert (
        template.find_resources("AWS::Lambda::EventSourceMapping", {"Properties": {"StartingPosition": "LATEST"}}) == {}
    )
    descriptions = [
        f["Properties"].get("Description", "") for f in template.find_resources("AWS::Lambda::Function").values()
    ]
    assert not [d for d in descriptions if MARKER in d]


def test_the_stream_feeds_the_function_in_small_ordered_batches_with_partial_failures(agent_synth) -> None:
    template = agent_synth.template
    function_id, _ = _function(template)
    [mapping] = [
        m["Properties"]
        for m in template.find_resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    [failed_queue_id] = [lid for lid in template.find_resources("AWS::SQS::Queue") if "AgentEventsFailedRecords" in lid]

    assert mapping["EventSourceArn"] == STREAM_ARN
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (mapping["BisectBatchOnFunctionError"], mapping["MaximumRetryAttempts"]) == (True, 5)
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"], mapping["ParallelizationFactor"]) == (
        100,
        0,
        1,
    )
    assert mapping["MaximumRecordAgeInSeconds"] == 900
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [failed_queue_id, "Arn"]}


def test_the_function_reads_the_api_settings_it_shares(agent_synth) -> None:
    _, fn = _function(agent_synth.template)
    variables = fn["Properties"]["Environment"]["Variables"]

    assert variables["CONTACT_ID_SOURCE"] == "InitialContactId"
    assert {"TABLE_NAME", "SESSIONS_QUEUE_URL", "RETENTION_DAYS"} <= set(variables)


def test_the_role_holds_only_what_pause_and_resume_need(agent_synth) -> None:
    template = agent_synth.template
    _, fn = _function(template)
    table_id = next(iter(template.find_resources("AWS::DynamoDB::Table")))
    queues = template.find_resources("AWS::SQS::Queue")
    sessions_id = next(lid for lid in queues if lid.startswith("SessionsQueue"))
    failed_id = next(lid for lid in queues if "AgentEventsFailedRecords" in lid)
    key_id = next(iter(template.find_resources("AWS::KMS::Key")))

    grants = {
        (tuple(sorted(_actions(s))), str(s["Resource"]))
        for s in _role_statements(template, fn)
        if s["Effect"] == "Allow"
    }

    def arn(logical_id: str) -> str:
        return str({"Fn::GetAtt": [logical_id, "Arn"]})

    expected = {
        (("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"), arn(table_id)),
        (("sqs:SendMessage",), arn(sessions_id)),
        (("sqs:SendMessage",), arn(failed_id)),
        (("kms:Decrypt", "kms:GenerateDataKey"), arn(key_id)),
        (
            (
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
            ),
            STREAM_ARN,
        ),
        (("kms:Decrypt",), STREAM_KEY_ARN),
    }
    platform = {g for g in grants if g[0][0].startswith(("logs:", "xray:"))}
    assert grants - platform == expected


def test_an_unencrypted_stream_gets_no_key_grant(synth) -> None:
    template = synth({"agent_event_stream_arn": STREAM_ARN}).template
    _, fn = _function(template)

    resources = [str(s["Resource"]) for s in _role_statements(template, fn)]

    assert STREAM_KEY_ARN not in resources


def test_is_nag_clean_and_warning_free(agent_synth) -> None:
    report = AwsSolutionsChecks(verbose=True).validate_scope(agent_synth.stack)
    assert [v.rule_name for v in report.violations] == []
    annotations = Annotations.from_stack(agent_synth.stack)
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"agent_event_stream_arn": "connect-agent-events"}, "must be a Kinesis data stream ARN"),
        (
            {"agent_event_stream_arn": STREAM_ARN, "agent_event_stream_kms_key_arn": "alias/connect"},
            "must be a KMS key ARN",
        ),
    ],
)
def test_the_context_keys_are_validated(context, message) -> None:
    with pytest.raises(ValueError, match=message):
        DeploymentConfig.model_validate(context)


def test_empty_context_means_off() -> None:
    config = DeploymentConfig.model_validate({"agent_event_stream_arn": "", "agent_event_stream_kms_key_arn": ""})
    assert (config.agent_event_stream_arn, config.agent_event_stream_kms_key_arn) == (None, None)
