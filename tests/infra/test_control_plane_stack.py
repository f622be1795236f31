"""What the synthesized control-plane template promises: data at rest, auth, least privilege, wiring."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from infra.config import START_STREAMING_PATH, STOP_STREAMING_PATH

# ---------------------------------------------------------------- helpers


def resources(template: Template, type_: str, props: dict[str, Any] | None = None) -> dict[str, Any]:
    return template.find_resources(type_, {"Properties": props} if props else None)


def functions(template: Template) -> dict[str, dict[str, Any]]:
    return resources(template, "AWS::Lambda::Function")


def function_by_code_folder(template: Template, folder: str) -> tuple[str, dict[str, Any]]:
    """The function whose description names it; descriptions are fixed per folder."""
    markers = {
        "api": "Start/Stop streaming API",
        "authorizer": "API authorizer",
        "connect_start": START_STREAMING_PATH,
        "connect_stop": STOP_STREAMING_PATH,
        "webhook_delivery": "webhook delivery",
    }
    matches = [
        (logical_id, fn)
        for logical_id, fn in functions(template).items()
        if markers[folder] in fn["Properties"]["Description"]
    ]
    assert len(matches) == 1, f"expected one {folder} function, got {[m[0] for m in matches]}"
    return matches[0]


def env(fn: dict[str, Any]) -> dict[str, Any]:
    return fn["Properties"]["Environment"]["Variables"]


def role_statements(template: Template, fn: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        p for p in resources(template, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    return [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def key_id(template: Template) -> str:
    (logical_id,) = resources(template, "AWS::KMS::Key")
    return logical_id


# ---------------------------------------------------------------- encryption and storage


def test_key_is_customer_managed_with_rotation(default_synth):
    default_synth.template.has_resource(
        "AWS::KMS::Key",
        {
            "Properties": {"EnableKeyRotation": True},
            "DeletionPolicy": "Retain",
        },
    )


def test_table_is_single_table_on_demand_with_pitr_ttl_and_cmk(default_synth):
    template = default_synth.template
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "Properties": {
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                # exportSlot / createdAt key the File Exporter's index (tests/infra/test_file_exporter.py).
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                    {"AttributeName": "exportSlot", "AttributeType": "S"},
                    {"AttributeName": "createdAt", "AttributeType": "N"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": [key_id(template), "Arn"]},
                },
                "DeletionProtectionEnabled": True,
            },
        },
    )


def test_removal_policy_and_deletion_protection_follow_config(synth):
    template = synth({"removal_policy": "destroy", "deletion_protection": "false"}).template
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Delete",
            "Properties": {"DeletionProtectionEnabled": False},
        },
    )


def sessions_queues(template: Template) -> dict[str, Any]:
    """The sessions queue and its DLQ (the utterances FIFO pair lives under "Utterances")."""
    return {i: q for i, q in resources(template, "AWS::SQS::Queue").items() if i.startswith("Sessions")}


def test_sessions_queue_has_kms_dlq_with_five_receives(default_synth):
    template = default_synth.template
    key_arn = {"Fn::GetAtt": [key_id(template), "Arn"]}
    queues = sessions_queues(template)
    assert len(queues) == 2
    (dlq_id,) = [i for i, q in queues.items() if "RedrivePolicy" not in q["Properties"]]
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "VisibilityTimeout": 60,
            "KmsMasterKeyId": key_arn,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}, "maxReceiveCount": 5},
        },
    )
    template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "MessageRetentionPeriod": 14 * 24 * 3600,
            "KmsMasterKeyId": key_arn,
        },
    )


def test_every_queue_denies_insecure_transport(default_synth):
    policies = resources(default_synth.template, "AWS::SQS::QueuePolicy")
    assert len(policies) == 4  # sessions, utterances and their DLQs
    for policy in policies.values():
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# ---------------------------------------------------------------- functions


def test_every_function_is_python312_arm64_traced_with_both_layers(full_synth):
    template = full_synth.template
    fns = functions(template)
    # api, authorizer, connect_start, connect_stop, webhook_delivery, export_plan, export_hour, export_commit,
    # file_exporter_api
    assert len(fns) == 9
    layer_ids = {
        ("export" if "File Exporter" in layer["Properties"]["Description"] else "other"): layer_id
        for layer_id, layer in resources(template, "AWS::Lambda::LayerVersion").items()
    }
    for logical_id, fn in fns.items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Handler"] == "handler.handler"
        assert props["TracingConfig"] == {"Mode": "Active"}
        # deps + common; export_hour also gets the export layer (pyarrow), between them.
        expected = 3 if logical_id.startswith("FileExporterHour") else 2
        assert len(props["Layers"]) == expected
        assert ({"Ref": layer_ids["export"]} in props["Layers"]) == (expected == 3)
        # Only webhook delivery may reserve concurrency, and only when configured (delivery_reserved_concurrency).
        if not logical_id.startswith("WebhookDelivery"):
            assert "ReservedConcurrentExecutions" not in props


def test_architecture_follows_config(synth):
    template = synth({"architecture": "x86_64"}).template
    for fn in functions(template).values():
        assert fn["Properties"]["Architectures"] == ["x86_64"]
    for layer in resources(template, "AWS::Lambda::LayerVersion").values():
        assert layer["Properties"]["CompatibleArchitectures"] == ["x86_64"]


def test_each_function_has_its_own_role_without_managed_policies(full_synth):
    template = full_synth.template
    role_ids = [fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions(template).values()]
    assert len(set(role_ids)) == len(role_ids)
    roles = resources(template, "AWS::IAM::Role")
    for role_id in role_ids:
        assert "ManagedPolicyArns" not in roles[role_id]["Properties"]


def test_each_function_logs_only_to_its_own_log_group_with_retention(full_synth):
    template = full_synth.template
    log_groups = resources(template, "AWS::Logs::LogGroup")
    for fn in functions(template).values():
        log_group_id = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert log_groups[log_group_id]["Properties"]["RetentionInDays"] == 30
        log_statements = [s for s in role_statements(template, fn) if any(a.startswith("logs:") for a in actions(s))]
        assert log_statements == [
            {
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
            }
        ]


def test_log_retention_follows_config(synth):
    template = synth({"log_retention_days": "90"}).template
    for log_group in resources(template, "AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == 90


def test_api_function_environment_and_grants(default_synth):
    template = default_synth.template
    _, fn = function_by_code_folder(template, "api")
    (table_id,) = resources(template, "AWS::DynamoDB::Table")
    (queue_id,) = [i for i, q in sessions_queues(template).items() if "RedrivePolicy" in q["Properties"]]
    (recordings_id,) = [i for i in resources(template, "AWS::S3::Bucket") if i.startswith("RecordingsBucket")]
    assert env(fn) == {
        "TABLE_NAME": {"Ref": table_id},
        "SESSIONS_QUEUE_URL": {"Ref": queue_id},
        "RETENTION_DAYS": "7",
        "MAX_BODY_BYTES": "16384",
        "SUPPORTED_LANGUAGES": json.dumps(["en-US", "en-GB", "en-AU", "en-CA", "en-IE", "en-IN", "en-NZ", "en-ZA"]),
        "RECORDINGS_BUCKET": {"Ref": recordings_id},
        "RECORDING_LINK_SECONDS": "900",
        "POWERTOOLS_SERVICE_NAME": "connect-transcribe",
        "POWERTOOLS_METRICS_NAMESPACE": "ConnectTranscribe",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    granted = {a for s in role_statements(template, fn) for a in actions(s)}
    assert {"dynamodb:PutItem", "dynamodb:Query", "sqs:SendMessage", "kms:GenerateDataKey*"} <= granted
    assert not any(a.startswith("execute-api") or a.startswith("secretsmanager") for a in granted)


def test_connect_functions_environment_in_iam_mode(default_synth):
    template = default_synth.template
    for folder in ("connect_start", "connect_stop"):
        _, fn = function_by_code_folder(template, folder)
        assert fn["Properties"]["Timeout"] == 8
        variables = env(fn)
        assert variables["API_AUTH_MODE"] == "iam"
        assert "API_CREDENTIALS_SECRET_ARN" not in variables
        assert {
            "CONTACT_ID_SOURCE": "ContactId",
            "AGENT_ID_KEY": "agentId",
            "CUSTOMER_ID_KEY": "customerId",
            "TRANSCRIBE_LANGUAGE": "en-US",
            "REDACTION_OUTPUT": "redacted",
            "DETAILED_TOKEN": "false",
            "REQUEST_TIMEOUT_SECONDS": "5.0",
        }.items() <= variables.items()
        # Stage URL without a trailing slash: https://<api>.execute-api.<region>.<suffix>/<stage>
        url_parts = variables["API_BASE_URL"]["Fn::Join"][1]
        assert url_parts[0] == "https://"
        assert url_parts[-2] == "/"
        assert url_parts[-1]["Ref"].startswith("ControlApiRestApiDeploymentStageprod")


def test_connect_functions_may_invoke_only_their_own_route(default_synth):
    template = default_synth.template
    for folder, path in (("connect_start", START_STREAMING_PATH), ("connect_stop", STOP_STREAMING_PATH)):
        _, fn = function_by_code_folder(template, folder)
        invoke = [s for s in role_statements(template, fn) if "execute-api:Invoke" in actions(s)]
        assert len(invoke) == 1
        arn_parts = invoke[0]["Resource"]["Fn::Join"][1]
        assert arn_parts[-1] == f"/POST{path}"
        assert arn_parts[-2]["Ref"].startswith("ControlApiRestApiDeploymentStageprod")  # this stage only


def test_connect_may_invoke_flow_functions_from_this_account(default_synth):
    template = default_synth.template
    for folder in ("connect_start", "connect_stop"):
        fn_id, _ = function_by_code_folder(template, folder)
        permissions = resources(
            template,
            "AWS::Lambda::Permission",
            {
                "FunctionName": {"Fn::GetAtt": [fn_id, "Arn"]},
                "Principal": "connect.amazonaws.com",
            },
        )
        (permission,) = permissions.values()
        assert permission["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert "SourceArn" not in permission["Properties"]
    template.resource_count_is("AWS::Connect::IntegrationAssociation", 0)


def test_configured_connect_instance_scopes_permission_and_associates_functions(full_synth):
    template = full_synth.template
    instance_arn = full_synth.config.connect_instance_arn
    for folder in ("connect_start", "connect_stop"):
        fn_id, _ = function_by_code_folder(template, folder)
        template.has_resource_properties(
            "AWS::Lambda::Permission",
            {
                "FunctionName": {"Fn::GetAtt": [fn_id, "Arn"]},
                "Principal": "connect.amazonaws.com",
                "SourceAccount": {"Ref": "AWS::AccountId"},
                "SourceArn": instance_arn,
            },
        )
        template.has_resource_properties(
            "AWS::Connect::IntegrationAssociation",
            {
                "InstanceId": instance_arn,
                "IntegrationType": "LAMBDA_FUNCTION",
                "IntegrationArn": {"Fn::GetAtt": [fn_id, "Arn"]},
            },
        )


# ---------------------------------------------------------------- API


def _under_file_exporter(template: Template, ref: dict[str, Any]) -> bool:
    """Whether the API resource `ref` ({"Ref": id}) lies below /fileexporter (the File Exporter API's routes)."""
    all_resources = resources(template, "AWS::ApiGateway::Resource")
    while "Ref" in ref:
        parent = all_resources[ref["Ref"]]["Properties"]
        if parent["PathPart"] == "fileexporter":
            return True
        ref = parent["ParentId"]
    return False


def test_api_is_regional_with_iam_authorized_routes_by_default(default_synth):
    template = default_synth.template
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"EndpointConfiguration": {"Types": ["REGIONAL"]}})
    paths = sorted(
        r["Properties"]["PathPart"]
        for i, r in resources(template, "AWS::ApiGateway::Resource").items()
        if not _under_file_exporter(template, {"Ref": i})
    )
    assert paths == sorted(
        [
            "mg-autotranscribe",
            "v1",
            "start-streaming",
            "stop-streaming",
            "conversation",
            "v1",
            "conversation",
            "messages",
        ]
    )
    methods = resources(template, "AWS::ApiGateway::Method")
    control = [m for m in methods.values() if not _under_file_exporter(template, m["Properties"]["ResourceId"])]
    assert sorted(m["Properties"]["HttpMethod"] for m in control) == ["GET", "POST", "POST"]
    for method in methods.values():  # the File Exporter routes are AWS_IAM too (always)
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM"
        assert method["Properties"]["Integration"]["Type"] == "AWS_PROXY"
    template.resource_count_is("AWS::ApiGateway::Authorizer", 0)
    assert not [i for i in resources(template, "AWS::SecretsManager::Secret") if i.startswith("ControlApi")]


def test_stage_logs_traces_and_throttles(default_synth):
    template = default_synth.template
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "prod",
            "TracingEnabled": True,
            "AccessLogSetting": {"DestinationArn": Match.any_value(), "Format": Match.string_like_regexp(r"^\{")},
            "MethodSettings": [
                {
                    "HttpMethod": "*",
                    "ResourcePath": "/*",
                    "LoggingLevel": "INFO",
                    "DataTraceEnabled": False,
                    "MetricsEnabled": True,
                    "ThrottlingRateLimit": 50,
                    "ThrottlingBurstLimit": 100,
                }
            ],
        },
    )
    (stage,) = resources(template, "AWS::ApiGateway::Stage").values()
    json.loads(stage["Properties"]["AccessLogSetting"]["Format"])  # one JSON object per request


def test_gateway_errors_use_the_documented_error_shape(default_synth):
    responses = resources(default_synth.template, "AWS::ApiGateway::GatewayResponse")
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses.values()}
    expected_codes = {
        "DEFAULT_4XX": "400-00",
        "DEFAULT_5XX": "500-00",
        "MISSING_AUTHENTICATION_TOKEN": "403-00",
        "ACCESS_DENIED": "403-00",
        "UNAUTHORIZED": "401-00",
        "THROTTLED": "429-00",
        "REQUEST_TOO_LARGE": "413-00",
    }
    for response_type, code in expected_codes.items():
        props = by_type[response_type]
        if not response_type.startswith("DEFAULT_"):
            assert props["StatusCode"] == code[:3]
        # The template must render to valid JSON once API Gateway substitutes its variables.
        rendered = (
            props["ResponseTemplates"]["application/json"]
            .replace("$context.requestId", "req-1")
            .replace("$context.error.messageString", '"Too Many Requests"')
        )
        assert json.loads(rendered) == {"error": {"requestId": "req-1", "code": code, "message": "Too Many Requests"}}
    for props in by_type.values():
        if "StatusCode" in props:
            assert f'"code": "{props["StatusCode"]}-00"' in props["ResponseTemplates"]["application/json"]


def test_api_secret_mode_uses_request_authorizer_and_cmk_secret(full_synth):
    template = full_synth.template
    (authorizer_id,) = resources(template, "AWS::ApiGateway::Authorizer")
    template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.asapp-api-id,method.request.header.asapp-api-secret",
            "AuthorizerResultTtlInSeconds": 300,
        },
    )
    methods = resources(template, "AWS::ApiGateway::Method").values()
    control = [m for m in methods if not _under_file_exporter(template, m["Properties"]["ResourceId"])]
    assert len(control) == 3
    for method in control:  # the messages GET too
        assert method["Properties"]["AuthorizationType"] == "CUSTOM"
        assert method["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}
    # The File Exporter API ignores api_auth (tests/infra/test_file_exporter.py).
    assert {m["Properties"]["AuthorizationType"] for m in methods if m not in control} == {"AWS_IAM"}
    (secret_id,) = [i for i in resources(template, "AWS::SecretsManager::Secret") if i.startswith("ControlApi")]
    template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "KmsKeyId": {"Fn::GetAtt": [key_id(template), "Arn"]},
            "GenerateSecretString": {
                "SecretStringTemplate": '{"apiId":"connect-transcribe"}',
                "GenerateStringKey": "apiSecret",
                "ExcludePunctuation": True,
            },
        },
    )

    for folder in ("authorizer", "connect_start", "connect_stop"):
        _, fn = function_by_code_folder(template, folder)
        assert env(fn)["API_CREDENTIALS_SECRET_ARN"] == {"Ref": secret_id}
        statements = role_statements(template, fn)
        assert any(
            "secretsmanager:GetSecretValue" in actions(s) and s["Resource"] == {"Ref": secret_id} for s in statements
        )
        assert not any("execute-api:Invoke" in actions(s) for s in statements)
    _, start = function_by_code_folder(template, "connect_start")
    assert env(start)["API_AUTH_MODE"] == "api_secret"


def test_waf_web_acl_is_associated_with_the_stage_when_configured(full_synth, default_synth):
    (stage_id,) = resources(full_synth.template, "AWS::ApiGateway::Stage")
    full_synth.template.has_resource_properties(
        "AWS::WAFv2::WebACLAssociation",
        {
            "WebACLArn": full_synth.config.waf_web_acl_arn,
            "ResourceArn": {"Fn::Join": ["", Match.array_with([{"Ref": stage_id}])]},
        },
    )
    default_synth.template.resource_count_is("AWS::WAFv2::WebACLAssociation", 0)


# ---------------------------------------------------------------- outputs


def test_outputs(default_synth, full_synth):
    base = {
        "ApiUrl",
        "TableName",
        "SessionsQueueUrl",
        "SessionsDeadLetterQueueUrl",
        "ConnectStartFunctionArn",
        "ConnectStopFunctionArn",
        "AlarmTopicArn",
        "DashboardUrl",
        "UtterancesQueueUrl",
        "UtterancesDeadLetterQueueUrl",
        "MediaGatewayClusterName",
        "MediaGatewayServiceName",
        "MediaGatewayTaskRoleArn",
        "WebhookFunctionName",
        "WebhookSecretArn",
        "FeedBucketName",
        "RecordingsBucketName",
        "ExportStateMachineArn",
        "GlueDatabaseName",
        "AthenaWorkGroupName",
    }
    assert set(default_synth.template.find_outputs("*")) == base
    assert set(full_synth.template.find_outputs("*")) == base | {"ApiCredentialsSecretArn"}


# ---------------------------------------------------------------- monitoring


def test_alarms_cover_dead_lettered_jobs_api_5xx_and_failing_flow_requests(default_synth):
    template = default_synth.template
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS", "Threshold": 1},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "5XXError", "Namespace": "AWS/ApiGateway", "Threshold": 5}
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "FlowRequestFailed",
            "Namespace": default_synth.config.metrics_namespace,
            "Dimensions": [{"Name": "service", "Value": default_synth.config.service_name}],
        },
    )
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert all(len(a["Properties"]["AlarmActions"]) == 1 for a in alarms.values())


def test_alarm_topic_is_encrypted_and_emails_only_when_configured(synth, default_synth):
    default_synth.template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    default_synth.template.resource_count_is("AWS::SNS::Subscription", 0)
    with_email = synth({"alarm_email": "oncall@example.com"}).template
    with_email.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )


def test_flow_failure_metric_name_matches_the_runtime():
    from connect_transcribe.control.connect_flow import FLOW_FAILED_METRIC as RUNTIME_NAME

    from infra.constructs.monitoring import FLOW_FAILED_METRIC as ALARM_NAME

    assert RUNTIME_NAME == ALARM_NAME
