"""What the template promises for webhook delivery and the messages API: event source, DLQ hand-off and
alarms, the webhook secret and who may read it, least privilege, the GET route, and config validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from infra.config import MESSAGES_PATH, DeploymentConfig
from infra.constructs.monitoring import WEBHOOK_FAILED_METRIC

# ---------------------------------------------------------------- helpers


def resources(template: Template, type_: str) -> dict[str, Any]:
    return template.find_resources(type_)


def logical_id(template: Template, type_: str, prefix: str) -> str:
    (found,) = [i for i in resources(template, type_) if i.startswith(prefix)]
    return found


def get_att(logical_id_: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id_, "Arn"]}


def webhook_function(template: Template) -> tuple[str, dict[str, Any]]:
    fn_id = logical_id(template, "AWS::Lambda::Function", "WebhookDelivery")
    return fn_id, resources(template, "AWS::Lambda::Function")[fn_id]["Properties"]


def api_function(template: Template) -> dict[str, Any]:
    return resources(template, "AWS::Lambda::Function")[logical_id(template, "AWS::Lambda::Function", "ControlApiApi")]


def statements_of(template: Template, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def webhook_statements(template: Template) -> list[dict[str, Any]]:
    _, fn = webhook_function(template)
    return statements_of(template, fn["Role"]["Fn::GetAtt"][0])


def queue_ids(template: Template) -> tuple[str, str]:
    """(utterances queue, utterances DLQ)."""
    return (
        logical_id(template, "AWS::SQS::Queue", "UtterancesQueue"),
        logical_id(template, "AWS::SQS::Queue", "UtterancesDeadLetterQueue"),
    )


def alarm(template: Template, prefix: str) -> dict[str, Any]:
    return resources(template, "AWS::CloudWatch::Alarm")[logical_id(template, "AWS::CloudWatch::Alarm", prefix)][
        "Properties"
    ]


def key_arn(template: Template) -> dict[str, Any]:
    return get_att(logical_id(template, "AWS::KMS::Key", "Encryption"))


# ---------------------------------------------------------------- event source and queues


def test_attached_function_consumes_the_utterances_queue_with_partial_batch_responses(external_synth):
    template = external_synth.template
    fn_id, _ = webhook_function(template)
    queue_id, _ = queue_ids(template)

    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()

    assert mapping["Properties"] == {
        "BatchSize": 10,
        "EventSourceArn": get_att(queue_id),
        "FunctionName": {"Ref": fn_id},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "Tags": [{"Key": "service", "Value": "connect-transcribe"}],
    }  # no MaximumBatchingWindowInSeconds: no batching window, no scaling cap without reserved concurrency


def test_reserved_concurrency_also_caps_the_pollers(full_synth):
    template = full_synth.template
    _, fn = webhook_function(template)
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping").values()

    assert fn["ReservedConcurrentExecutions"] == 20
    assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 20}


def test_without_a_webhook_url_the_function_is_deployed_idle(default_synth):
    """Given no webhook_url, when synthesized, then nothing consumes the queue and the stack says so."""
    template = default_synth.template
    _, fn = webhook_function(template)

    template.resource_count_is("AWS::Lambda::EventSourceMapping", 0)
    assert "IDLE: webhook_url is not set" in fn["Description"]
    assert "IDLE" in template.find_outputs("WebhookFunctionName")["WebhookFunctionName"]["Description"]
    granted = {a for s in webhook_statements(template) for a in _actions(s)}
    assert "sqs:ReceiveMessage" not in granted


def test_function_runs_the_delivery_code_with_configured_size_and_timeout(synth, default_synth):
    _, fn = webhook_function(default_synth.template)
    assert (fn["Runtime"], fn["Architectures"], fn["Handler"]) == ("python3.12", ["arm64"], "handler.handler")
    assert (fn["Timeout"], fn["MemorySize"]) == (60, 512)
    assert "ReservedConcurrentExecutions" not in fn

    context = {
        "delivery_function_timeout_seconds": "120",
        "delivery_memory_mb": "1024",
        "utterances_visibility_timeout_seconds": "720",
    }
    _, resized = webhook_function(synth(context).template)
    assert (resized["Timeout"], resized["MemorySize"]) == (120, 1024)


def test_visibility_timeout_is_six_function_timeouts_and_sqs_redrive_is_a_safety_net(default_synth):
    template = default_synth.template
    queue_id, dlq_id = queue_ids(template)
    queue = resources(template, "AWS::SQS::Queue")[queue_id]["Properties"]
    dlq = resources(template, "AWS::SQS::Queue")[dlq_id]["Properties"]
    _, fn = webhook_function(template)
    variables = fn["Environment"]["Variables"]

    assert queue["VisibilityTimeout"] == 6 * fn["Timeout"]
    # The function dead-letters on its 5th receive itself; SQS's redrive only catches what it never handled.
    assert queue["RedrivePolicy"]["maxReceiveCount"] > int(variables["DELIVERY_MAX_RECEIVES"]) == 5
    # The function's DLQ is the queue's DLQ, FIFO so a redrive keeps each stream's order.
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == get_att(dlq_id)
    assert variables["DELIVERY_DLQ_URL"] == {"Ref": dlq_id}
    assert dlq["FifoQueue"] is True


# ---------------------------------------------------------------- environment and secret


def test_environment_holds_configuration_and_the_secret_arn_only(full_synth, default_synth):
    template = full_synth.template
    _, fn = webhook_function(template)
    _, dlq_id = queue_ids(template)
    secret_id = logical_id(template, "AWS::SecretsManager::Secret", "WebhookDeliverySecret")

    assert fn["Environment"]["Variables"] == {
        "POWERTOOLS_SERVICE_NAME": "connect-transcribe",
        "POWERTOOLS_METRICS_NAMESPACE": "ConnectTranscribe",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "WEBHOOK_URL": "https://hooks.example.com/transcripts",
        "WEBHOOK_AUTH": "oauth2",
        "WEBHOOK_SECRET_ARN": {"Ref": secret_id},
        "WEBHOOK_MTLS": "true",
        "WEBHOOK_SIGNING": "true",
        "OAUTH_TOKEN_URL": "https://login.example.com/oauth2/token",
        "OAUTH_SCOPE": "transcripts:write",
        "OAUTH_AUDIENCE": "https://hooks.example.com",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "false",
        "DELIVERY_MAX_RECEIVES": "5",
        "DELIVERY_RETRY_BUDGET_SECONDS": "20",
        "DELIVERY_DLQ_URL": {"Ref": dlq_id},
    }
    # The plain-HTTP switch is for local development only and never reaches a deployment.
    _, idle = webhook_function(default_synth.template)
    assert "WEBHOOK_ALLOW_HTTP" not in idle["Environment"]["Variables"]


def test_generated_secret_has_a_random_token_and_signing_secret_under_the_stack_key(default_synth):
    template = default_synth.template
    seed_id = logical_id(template, "AWS::SecretsManager::Secret", "WebhookDeliveryTokenSeed")
    secret_id = logical_id(template, "AWS::SecretsManager::Secret", "WebhookDeliverySecret")
    secrets = resources(template, "AWS::SecretsManager::Secret")
    seed, secret = secrets[seed_id]["Properties"], secrets[secret_id]["Properties"]

    assert seed["KmsKeyId"] == secret["KmsKeyId"] == key_arn(template)
    assert seed["GenerateSecretString"] == {
        "SecretStringTemplate": "{}",
        "GenerateStringKey": "token",
        "ExcludePunctuation": True,
        "PasswordLength": 48,
    }
    generated = secret["GenerateSecretString"]
    assert (generated["GenerateStringKey"], generated["ExcludePunctuation"], generated["PasswordLength"]) == (
        "signingSecret",
        True,
        48,
    )
    # The token is the seed's, copied by CloudFormation (dynamic reference) when the secret is created.
    parts = generated["SecretStringTemplate"]["Fn::Join"][1]
    rendered = "".join(p if isinstance(p, str) else "SEED_ARN" for p in parts)
    assert {"Ref": seed_id} in parts
    assert json.loads(rendered) == {"token": "{{resolve:secretsmanager:SEED_ARN:SecretString:token::}}"}
    assert template.find_outputs("WebhookSecretArn")["WebhookSecretArn"]["Value"] == {"Ref": secret_id}


def test_only_the_delivery_function_may_read_the_webhook_secret(full_synth):
    template = full_synth.template
    fn_id, fn = webhook_function(template)
    role_id = fn["Role"]["Fn::GetAtt"][0]
    webhook_secrets = [
        {"Ref": i} for i in resources(template, "AWS::SecretsManager::Secret") if i.startswith("WebhookDelivery")
    ]

    readers = {
        role["Ref"]
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Resource"] in webhook_secrets
        or any(r in webhook_secrets for r in statement["Resource"] if isinstance(statement["Resource"], list))
        for role in policy["Properties"]["Roles"]
    }

    assert readers == {role_id}
    template.resource_count_is("AWS::SecretsManager::ResourcePolicy", 0)
    assert fn_id.startswith("WebhookDelivery")


def test_brought_secret_is_used_as_is_and_read_through_its_own_key(external_synth):
    template = external_synth.template
    config = external_synth.config
    _, fn = webhook_function(template)

    assert not [i for i in resources(template, "AWS::SecretsManager::Secret") if i.startswith("WebhookDelivery")]
    assert fn["Environment"]["Variables"]["WEBHOOK_SECRET_ARN"] == config.webhook_secret_arn
    assert fn["Environment"]["Variables"]["WEBHOOK_HEADER_NAME"] == "X-Api-Key"
    assert template.find_outputs("WebhookSecretArn")["WebhookSecretArn"]["Value"] == config.webhook_secret_arn
    statements = webhook_statements(template)
    assert {
        "Action": "secretsmanager:GetSecretValue",
        "Effect": "Allow",
        "Resource": config.webhook_secret_arn,
    } in statements
    assert {
        "Action": "kms:Decrypt",
        "Condition": {
            "StringEquals": {
                "kms:ViaService": {"Fn::Join": ["", ["secretsmanager.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
            }
        },
        "Effect": "Allow",
        "Resource": config.webhook_secret_kms_key_arn,
    } in statements


# ---------------------------------------------------------------- least privilege


def _actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def test_role_may_consume_the_queue_send_to_the_dlq_and_read_its_secret_nothing_more(full_synth):
    template = full_synth.template
    queue_id, dlq_id = queue_ids(template)
    log_group_id = logical_id(template, "AWS::Logs::LogGroup", "WebhookDeliveryFunction")
    secret_id = logical_id(template, "AWS::SecretsManager::Secret", "WebhookDeliverySecret")

    assert webhook_statements(template) == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": get_att(log_group_id),
        },
        {"Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Effect": "Allow", "Resource": "*"},
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": get_att(dlq_id)},
        {"Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Effect": "Allow", "Resource": key_arn(template)},
        {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": secret_id}},
        {
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Effect": "Allow",
            "Resource": get_att(queue_id),
        },
    ]


def test_role_is_trusted_by_lambda_only_without_managed_policies(default_synth):
    template = default_synth.template
    _, fn = webhook_function(template)
    role = resources(template, "AWS::IAM::Role")[fn["Role"]["Fn::GetAtt"][0]]["Properties"]

    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    ]
    assert "ManagedPolicyArns" not in role


def test_no_other_role_may_consume_utterances(full_synth):
    """The media gateway only sends; the delivery function is the only consumer."""
    template = full_synth.template
    queue_id, _ = queue_ids(template)
    _, fn = webhook_function(template)

    consumers = {
        role["Ref"]
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Resource"] == get_att(queue_id) and "sqs:ReceiveMessage" in _actions(statement)
        for role in policy["Properties"]["Roles"]
    }

    assert consumers == {fn["Role"]["Fn::GetAtt"][0]}


# ---------------------------------------------------------------- alarms


def test_dead_letter_alarm_names_delivery_and_the_redrive_command(default_synth):
    template = default_synth.template
    queue_id, dlq_id = queue_ids(template)
    props = alarm(template, "MonitoringUtterancesDeadLettered")

    parts = props["AlarmDescription"]["Fn::Join"][1]
    rendered = "".join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)
    assert "webhook delivery" in rendered
    assert rendered.endswith(f"connect-transcribe redrive-dlq --from <{dlq_id}> --to <{queue_id}>")
    assert (props["MetricName"], props["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 1)
    assert props["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]


def test_dead_lettered_deliveries_function_errors_and_throttles_alarm(default_synth):
    template = default_synth.template
    fn_id, _ = webhook_function(template)
    topic = {"Ref": logical_id(template, "AWS::SNS::Topic", "Monitoring")}

    failed = alarm(template, "MonitoringWebhookDeliveriesFailing")
    assert (failed["Namespace"], failed["MetricName"], failed["Statistic"]) == (
        "ConnectTranscribe",
        "WebhookFailed",
        "Sum",
    )
    assert failed["Dimensions"] == [{"Name": "service", "Value": "connect-transcribe"}]
    for prefix, metric in (
        ("MonitoringWebhookFunctionErrors", "Errors"),
        ("MonitoringWebhookFunctionThrottled", "Throttles"),
    ):
        props = alarm(template, prefix)
        assert (props["Namespace"], props["MetricName"]) == ("AWS/Lambda", metric)
        assert props["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": fn_id}}]
    for props in (failed, alarm(template, "MonitoringWebhookFunctionErrors")):
        # Fires on the first occurrence (> 0), notifies the topic, and silence is not a breach.
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
        assert props["AlarmActions"] == [topic]
        assert props["TreatMissingData"] == "notBreaching"


def test_failed_metric_name_matches_the_runtime():
    from connect_transcribe.delivery.deliver import FAILED_METRIC

    assert FAILED_METRIC == WEBHOOK_FAILED_METRIC


# ---------------------------------------------------------------- messages API


def test_messages_route_is_an_iam_authorized_get_on_the_api_function(default_synth):
    template = default_synth.template
    api_fn_id = logical_id(template, "AWS::Lambda::Function", "ControlApiApi")
    (method,) = [
        m["Properties"]
        for m in resources(template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "GET" and api_fn_id in json.dumps(m["Properties"]["Integration"]["Uri"])
    ]
    resource_ids = resources(template, "AWS::ApiGateway::Resource")

    assert method["AuthorizationType"] == "AWS_IAM"
    assert method["RequestParameters"] == {"method.request.querystring.externalId": True}
    assert method["Integration"]["Type"] == "AWS_PROXY"
    assert api_fn_id in json.dumps(method["Integration"]["Uri"])
    # Walk the resource chain back to the root: the path is the documented one.
    path, ref = [], method["ResourceId"]
    while "Ref" in ref:
        resource = resource_ids[ref["Ref"]]["Properties"]
        path.insert(0, resource["PathPart"])
        ref = resource["ParentId"]
    assert "/" + "/".join(path) == MESSAGES_PATH


def test_api_function_may_query_the_table_and_api_gateway_may_invoke_it_for_get(default_synth):
    template = default_synth.template
    table = get_att(logical_id(template, "AWS::DynamoDB::Table", "Storage"))
    fn = api_function(template)["Properties"]

    statements = statements_of(template, fn["Role"]["Fn::GetAtt"][0])
    assert any("dynamodb:Query" in _actions(s) and table in s["Resource"] for s in statements)
    permissions = [
        p["Properties"]["SourceArn"]
        for p in resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert any(MESSAGES_PATH in json.dumps(arn) and "/GET/" in json.dumps(arn) for arn in permissions)


# ---------------------------------------------------------------- config validation


SECRET_ARN = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:hook-AbC123"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"webhook_url": "http://hooks.example.com/t"}, "webhook_url"),
        ({"webhook_url": "https://user:pw@hooks.example.com/t"}, "must not carry credentials"),
        ({"webhook_url": "https://10.0.0.8/t"}, "webhook_allow_private_targets"),
        ({"webhook_url": "https://169.254.169.254/latest", "webhook_allow_private_targets": "true"}, "link-local"),
        ({"webhook_auth": "basic"}, "webhook_auth"),
        ({"webhook_auth": "oauth2"}, "needs oauth_token_url"),
        ({"oauth_scope": "write"}, "only used with webhook_auth=oauth2"),
        ({"webhook_auth": "oauth2", "oauth_token_url": "http://idp.example.com/token"}, "oauth_token_url"),
        ({"webhook_secret_arn": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:hook"}, "webhook_secret_arn"),
        (
            {
                "webhook_secret_kms_key_arn": "arn:aws:kms:eu-west-2:123456789012:key/5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
            },
            "webhook_secret_kms_key_arn",
        ),
        ({"webhook_header_name": "X Token"}, "webhook_header_name"),
        ({"webhook_timeout_seconds": "0"}, "webhook_timeout_seconds"),
        ({"delivery_retry_budget_seconds": "56"}, "delivery_retry_budget_seconds"),
        ({"delivery_function_timeout_seconds": "400"}, "utterances_visibility_timeout_seconds"),
        ({"delivery_max_receives": "10"}, "utterances_max_receive_count must be greater than delivery_max_receives"),
        ({"delivery_reserved_concurrency": "1"}, "delivery_reserved_concurrency"),
    ],
)
def test_invalid_webhook_settings_are_rejected_naming_the_key(context, message):
    with pytest.raises(ValueError, match=message):
        DeploymentConfig.from_context(App(context=context))


def test_valid_webhook_settings_from_command_line_strings():
    config = DeploymentConfig.from_context(
        App(
            context={
                "webhook_url": "https://10.0.0.8:8443/hooks?tenant=acme",
                "webhook_allow_private_targets": "true",
                "webhook_auth": "query",
                "webhook_secret_arn": SECRET_ARN,
                "webhook_timeout_seconds": "2.5",
                "delivery_reserved_concurrency": "",
            }
        )
    )

    assert config.webhook_url == "https://10.0.0.8:8443/hooks?tenant=acme"
    assert (config.webhook_auth.value, config.webhook_timeout_seconds) == ("query", 2.5)
    assert config.delivery_reserved_concurrency is None


def test_query_mode_passes_the_parameter_name_and_fractional_timeouts(synth):
    _, fn = webhook_function(
        synth(
            {
                "webhook_url": "https://hooks.example.com/t",
                "webhook_auth": "query",
                "webhook_query_param": "api_key",
                "webhook_timeout_seconds": "2.5",
                "webhook_signing": "false",
            }
        ).template
    )
    variables = fn["Environment"]["Variables"]

    assert (variables["WEBHOOK_QUERY_PARAM"], variables["WEBHOOK_TIMEOUT_SECONDS"]) == ("api_key", "2.5")
    assert variables["WEBHOOK_SIGNING"] == "false"
    assert "WEBHOOK_HEADER_NAME" not in variables
