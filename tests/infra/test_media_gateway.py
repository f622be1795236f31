"""What the synthesized template promises for the media gateway: image, task, least privilege, scaling, alarms."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template
from connect_transcribe.settings import GatewayHealthSettings
from connect_transcribe.speech.threads import VARIABLES

from infra.config import REPO_ROOT
from infra.constructs.media_gateway import DOCKERFILE, GATEWAY_SERVICE

# ---------------------------------------------------------------- helpers


def resources(template: Template, type_: str) -> dict[str, Any]:
    return template.find_resources(type_)


def only(template: Template, type_: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, type_)
    assert len(found) == 1, f"expected one {type_}, got {list(found)}"
    ((logical_id, resource),) = found.items()
    return logical_id, resource["Properties"]


def container(template: Template) -> dict[str, Any]:
    _, task = only(template, "AWS::ECS::TaskDefinition")
    (definition,) = task["ContainerDefinitions"]
    return definition


def environment(template: Template) -> dict[str, Any]:
    return {e["Name"]: e["Value"] for e in container(template)["Environment"]}


def role_statements(template: Template, role_ref: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = role_ref["Fn::GetAtt"][0]
    return [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def task_role_statements(template: Template) -> list[dict[str, Any]]:
    """Everything but the recordings bucket grants (tests/infra/test_recordings_bucket.py holds those exactly)."""
    _, task = only(template, "AWS::ECS::TaskDefinition")
    recordings = logical_id(template, "AWS::S3::Bucket", "RecordingsBucket")
    return [s for s in role_statements(template, task["TaskRoleArn"]) if recordings not in str(s["Resource"])]


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def get_att(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def logical_id(template: Template, type_: str, prefix: str) -> str:
    (found,) = [i for i in resources(template, type_) if i.startswith(prefix)]
    return found


def joined(value: dict[str, Any]) -> str:
    """Fn::Join with pseudo parameters rendered as ${AWS::...}, for readable comparisons."""
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "${" + p["Ref"] + "}" for p in parts)


# ---------------------------------------------------------------- utterances queue


def test_utterances_queue_is_fifo_high_throughput_encrypted_with_a_fifo_dlq(default_synth):
    template = default_synth.template
    key = get_att(logical_id(template, "AWS::KMS::Key", "Encryption"))
    queues = {
        i: {k: v for k, v in q["Properties"].items() if k != "Tags"}
        for i, q in resources(template, "AWS::SQS::Queue").items()
        if i.startswith("Utterances")
    }
    (dlq_id,) = [i for i, q in queues.items() if "RedrivePolicy" not in q]
    (queue_id,) = [i for i, q in queues.items() if "RedrivePolicy" in q]

    assert queues[queue_id] == {
        "FifoQueue": True,
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
        "KmsMasterKeyId": key,
        "VisibilityTimeout": 360,
        "RedrivePolicy": {"deadLetterTargetArn": get_att(dlq_id), "maxReceiveCount": 10},
    }
    assert queues[dlq_id] == {"FifoQueue": True, "KmsMasterKeyId": key, "MessageRetentionPeriod": 14 * 24 * 3600}
    assert {"Ref": queue_id} == default_synth.template.find_outputs("UtterancesQueueUrl")["UtterancesQueueUrl"]["Value"]


# ---------------------------------------------------------------- image and task definition


def test_task_definition_runs_the_asset_image_on_arm64_with_configured_size(default_synth):
    _, task = only(default_synth.template, "AWS::ECS::TaskDefinition")
    definition = container(default_synth.template)

    assert task["RuntimePlatform"] == {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"}
    assert (task["Cpu"], task["Memory"]) == ("2048", "4096")
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert "container-assets" in definition["Image"]["Fn::Sub"]  # built from images/media_gateway/Dockerfile
    assert definition["StopTimeout"] == 120  # SIGTERM -> hand sessions over
    assert definition["ReadonlyRootFilesystem"] is True
    assert definition["MountPoints"] == [{"ContainerPath": "/tmp", "ReadOnly": False, "SourceVolume": "tmp"}]


def test_a_task_is_healthy_only_while_its_worker_beats_on_the_writable_volume(default_synth):
    definition = container(default_synth.template)
    check = definition["HealthCheck"]

    assert check["Command"] == ["CMD", "python", "-m", "connect_transcribe.gateway.health"]
    assert (REPO_ROOT / "layers/common/python/connect_transcribe/gateway/health.py").is_file()
    assert (check["Interval"], check["Timeout"], check["Retries"], check["StartPeriod"]) == (15, 5, 3, 60)
    # the worker and the check read the same file, on the task's scratch volume (the root file system is read-only)
    variables = {v["Name"] for v in definition["Environment"]}
    assert "HEALTH_FILE" not in variables
    health_file = GatewayHealthSettings.model_fields["health_file"].default
    (mount,) = definition["MountPoints"]
    assert health_file.startswith(mount["ContainerPath"] + "/") and mount["ReadOnly"] is False


X86_CONTEXT = {"gateway_architecture": "x86_64", "gateway_cpu": "4096", "gateway_memory_mb": "8192"}


def test_architecture_and_size_follow_config(synth):
    template = synth(X86_CONTEXT).template
    _, task = only(template, "AWS::ECS::TaskDefinition")

    assert task["RuntimePlatform"]["CpuArchitecture"] == "X86_64"
    assert (task["Cpu"], task["Memory"]) == ("4096", "8192")
    assert environment(template)["DECODE_WORKERS"] == "4"


def test_environment_is_the_worker_contract_without_secrets(default_synth):
    template = default_synth.template
    definition = container(template)

    assert environment(template) == {
        "TABLE_NAME": {"Ref": logical_id(template, "AWS::DynamoDB::Table", "Storage")},
        "SESSIONS_QUEUE_URL": {"Ref": logical_id(template, "AWS::SQS::Queue", "SessionsQueue")},
        "UTTERANCES_QUEUE_URL": {"Ref": logical_id(template, "AWS::SQS::Queue", "UtterancesQueue")},
        "MAX_SESSIONS": "12",
        "ENGINE": "tiny.en",
        "SUPPORTED_LANGUAGES": json.dumps(["en-US", "en-GB", "en-AU", "en-CA", "en-IE", "en-IN", "en-NZ", "en-ZA"]),
        "DECODE_WORKERS": "2",
        "LEASE_SECONDS": "20",
        "END_OF_STREAM_SECONDS": "10",
        "RETENTION_DAYS": "7",
        "RECORDINGS_BUCKET": {"Ref": logical_id(template, "AWS::S3::Bucket", "RecordingsBucket")},
        "POWERTOOLS_SERVICE_NAME": GATEWAY_SERVICE,
        "POWERTOOLS_METRICS_NAMESPACE": "ConnectTranscribe",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    assert "Secrets" not in definition


def test_cross_account_settings_reach_the_worker(external_synth):
    variables = environment(external_synth.template)

    assert variables["KVS_ROLE_ARN"] == external_synth.config.kvs_role_arn
    assert variables["KVS_EXTERNAL_ID"] == "connect-transcribe-7f3a"


def test_logs_go_to_an_encrypted_log_group_with_retention_without_blocking(default_synth):
    template = default_synth.template
    options = container(template)["LogConfiguration"]["Options"]
    log_group_id = options["awslogs-group"]["Ref"]
    log_group = resources(template, "AWS::Logs::LogGroup")[log_group_id]["Properties"]

    assert log_group["RetentionInDays"] == 30
    assert log_group["KmsKeyId"] == get_att(logical_id(template, "AWS::KMS::Key", "Encryption"))
    assert options["mode"] == "non-blocking"


def test_key_lets_cloudwatch_logs_encrypt_only_this_accounts_log_groups(default_synth):
    _, key = only(default_synth.template, "AWS::KMS::Key")
    (statement,) = [s for s in key["KeyPolicy"]["Statement"] if "logs." in str(s["Principal"])]

    arn = joined(statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert arn == "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"


# ---------------------------------------------------------------- least privilege


def _sessions_and_utterances(template: Template) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    return (
        get_att(logical_id(template, "AWS::SQS::Queue", "SessionsQueue")),
        get_att(logical_id(template, "AWS::SQS::Queue", "UtterancesQueue")),
        get_att(logical_id(template, "AWS::DynamoDB::Table", "Storage")),
    )


def _common_statements(template: Template) -> list[dict[str, Any]]:
    sessions, utterances, table = _sessions_and_utterances(template)
    return [
        {
            "Action": ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:SendMessage"],
            "Effect": "Allow",
            "Resource": sessions,
        },
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": utterances},
        {
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:Query",
                "dynamodb:ConditionCheckItem",
            ],
            "Effect": "Allow",
            # The table only, not its indexes (index/*): the worker never reads the File Exporter's index.
            "Resource": table,
        },
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Effect": "Allow",
            "Resource": get_att(logical_id(template, "AWS::KMS::Key", "Encryption")),
        },
    ]


KVS_ACTIONS = [
    "kinesisvideo:GetDataEndpoint",
    "kinesisvideo:GetMedia",
    "kinesisvideo:ListFragments",
    "kinesisvideo:GetMediaForFragmentList",
]


def test_task_role_reads_only_connect_streams_of_this_account(default_synth):
    template = default_synth.template
    statements = task_role_statements(template)

    assert statements[:4] == _common_statements(template)
    (kvs,) = statements[4:]
    assert kvs["Action"] == KVS_ACTIONS
    assert joined(kvs["Resource"]) == (
        "arn:${AWS::Partition}:kinesisvideo:${AWS::Region}:${AWS::AccountId}:stream/*connect-*-contact-*/*"
    )


def test_stream_prefix_and_kvs_key_narrow_and_extend_the_grant(full_synth):
    statements = task_role_statements(full_synth.template)

    kvs, decrypt = statements[4:]
    assert joined(kvs["Resource"]).endswith(":stream/acme-connect-*-contact-*/*")
    assert decrypt == {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": full_synth.config.kvs_kms_key_arn}


def test_cross_account_grants_only_assume_role_on_the_configured_role(external_synth):
    template = external_synth.template
    statements = task_role_statements(template)

    assert statements == [
        *_common_statements(template),
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": external_synth.config.kvs_role_arn},
    ]
    assert not any(a.startswith("kinesisvideo:") for s in statements for a in actions(s))


def test_execution_role_only_pulls_the_image_and_writes_its_log_group(default_synth):
    template = default_synth.template
    _, task = only(template, "AWS::ECS::TaskDefinition")
    granted = {a for s in role_statements(template, task["ExecutionRoleArn"]) for a in actions(s)}

    assert granted == {
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "ecr:GetAuthorizationToken",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert task["ExecutionRoleArn"] != task["TaskRoleArn"]


def test_task_roles_trust_ecs_only_on_behalf_of_this_account(default_synth):
    roles = resources(default_synth.template, "AWS::IAM::Role")
    gateway_roles = [r for i, r in roles.items() if i.startswith("MediaGateway")]

    assert len(gateway_roles) == 2
    for role in gateway_roles:
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
        assert "ManagedPolicyArns" not in role["Properties"]


# ---------------------------------------------------------------- service and network


def test_service_deploys_without_losing_capacity(default_synth):
    """Subnets, public IPs and the security group per network layout: tests/infra/test_network.py."""
    template = default_synth.template
    _, service = only(template, "AWS::ECS::Service")
    _, cluster = only(template, "AWS::ECS::Cluster")

    assert service["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert service["DeploymentConfiguration"]["MinimumHealthyPercent"] == 100
    assert "DesiredCount" not in service  # autoscaling owns the count; a deploy never resets it
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]


def test_interface_endpoints_when_configured_accept_https_from_the_vpc_only(full_synth):
    template = full_synth.template
    interface = [
        e
        for e in resources(template, "AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    ]

    services = sorted(joined(e["Properties"]["ServiceName"]).rsplit(".", 1)[-1] for e in interface)
    assert services == ["api", "dkr", "logs", "sqs", "sts"]
    group_id = logical_id(template, "AWS::EC2::SecurityGroup", "NetworkEndpointSecurityGroup")
    ingress = resources(template, "AWS::EC2::SecurityGroup")[group_id]["Properties"]["SecurityGroupIngress"]
    assert ingress == [
        {
            "CidrIp": "10.40.0.0/16",
            "Description": "HTTPS from the VPC",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]


def test_existing_vpc_is_used_as_configured_without_creating_network(external_synth):
    template = external_synth.template
    _, service = only(template, "AWS::ECS::Service")
    _, group = only(template, "AWS::EC2::SecurityGroup")

    for type_ in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::FlowLog"):
        template.resource_count_is(type_, 0)
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] == list(
        external_synth.config.private_subnet_ids
    )
    assert group["VpcId"] == "vpc-0123456789abcdef0"


def test_desired_count_is_set_only_when_configured(full_synth):
    _, service = only(full_synth.template, "AWS::ECS::Service")

    assert service["DesiredCount"] == 2


# ---------------------------------------------------------------- scaling


def test_scaling_tracks_active_sessions_per_task_and_reacts_to_queued_jobs(default_synth):
    template = default_synth.template
    _, target = only(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    policies = {
        p["Properties"]["PolicyType"]: p["Properties"]
        for p in resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }

    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 10)
    tracking = policies["TargetTrackingScaling"]["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["CustomizedMetricSpecification"] == {
        "Dimensions": [{"Name": "service", "Value": GATEWAY_SERVICE}],
        "MetricName": "ActiveSessions",
        "Namespace": "ConnectTranscribe",
        "Statistic": "Average",
    }
    assert tracking["TargetValue"] == 8.4  # 70 % of 12 sessions per task
    steps = policies["StepScaling"]["StepScalingPolicyConfiguration"]
    assert steps["AdjustmentType"] == "ChangeInCapacity"
    # Alarm threshold 1 job: 1-11 waiting -> +1 task, 12-23 -> +2, 24+ -> +4.
    assert [
        (s.get("MetricIntervalLowerBound"), s.get("MetricIntervalUpperBound"), s["ScalingAdjustment"])
        for s in steps["StepAdjustments"]
    ] == [
        (0, 11, 1),
        (11, 23, 2),
        (23, None, 4),
    ]
    (backlog_alarm,) = [
        a["Properties"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmDescription") == "Upper threshold scaling alarm"
    ]
    assert backlog_alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert backlog_alarm["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": [logical_id(template, "AWS::SQS::Queue", "SessionsQueue"), "QueueName"]
    }
    assert backlog_alarm["Threshold"] == 1


def test_scaling_follows_configured_capacity(synth):
    template = synth(
        {"gateway_max_sessions_per_task": "10", "gateway_target_utilization_percent": "50", "gateway_max_tasks": "3"}
    ).template
    _, target = only(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    tracking = [
        p["Properties"]
        for p in resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if p["Properties"]["PolicyType"] == "TargetTrackingScaling"
    ]

    assert target["MaxCapacity"] == 3
    assert tracking[0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 5
    assert environment(template)["MAX_SESSIONS"] == "10"


# ---------------------------------------------------------------- alarms


def _topic_alarms(template: Template) -> dict[str, dict[str, Any]]:
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    return {
        i.removeprefix("Monitoring")[:-8]: a["Properties"]
        for i, a in resources(template, "AWS::CloudWatch::Alarm").items()
        if a["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
    }


def test_gateway_alarms_notify_the_topic(default_synth):
    alarms = _topic_alarms(default_synth.template)

    assert set(alarms) == {
        "SessionJobsDeadLettered",
        "ApiServerErrors",
        "FlowRequestsFailing",
        "GatewaySessionsFailing",
        "GatewayPublishLag",
        "GatewayTasksBelowMinimum",
        "UtterancesDeadLettered",
        "WebhookDeliveriesFailing",
        "WebhookFunctionErrors",
        "WebhookFunctionThrottled",
        "ExportRunsFailed",
        "ExportRunsTimedOut",
        "ExportScheduleFailed",
    }
    failing, lag, tasks = (
        alarms["GatewaySessionsFailing"],
        alarms["GatewayPublishLag"],
        alarms["GatewayTasksBelowMinimum"],
    )
    assert (failing["MetricName"], failing["Statistic"], failing["Threshold"]) == ("SessionsFailed", "Sum", 1)
    assert failing["Dimensions"] == [{"Name": "service", "Value": GATEWAY_SERVICE}]
    assert (lag["MetricName"], lag["ExtendedStatistic"], lag["Threshold"]) == ("PublishLagMs", "p95", 5000)
    assert (tasks["Namespace"], tasks["MetricName"]) == ("ECS/ContainerInsights", "RunningTaskCount")
    assert (tasks["ComparisonOperator"], tasks["Threshold"], tasks["TreatMissingData"]) == (
        "LessThanThreshold",
        1,
        "breaching",
    )
    dlq = alarms["UtterancesDeadLettered"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
    assert dlq.startswith("UtterancesDeadLetterQueue")


def test_no_task_count_alarm_when_the_service_may_scale_to_zero(synth):
    alarms = _topic_alarms(synth({"gateway_min_tasks": "0", "alarm_publish_lag_p95_ms": "2500"}).template)

    assert "GatewayTasksBelowMinimum" not in alarms
    assert alarms["GatewayPublishLag"]["Threshold"] == 2500


def test_alarm_metric_names_match_what_the_worker_emits():
    """The worker's source names the metrics the alarms and the scaling policy watch."""
    from infra.constructs import media_gateway

    package = REPO_ROOT / "layers/common/python/connect_transcribe"
    worker_source = "\n".join(
        p.read_text() for p in [*(package / "gateway").glob("*.py"), package / "adapters/emf_metrics.py"]
    )
    for name in (
        media_gateway.ACTIVE_SESSIONS_METRIC,
        media_gateway.SESSIONS_FAILED_METRIC,
        media_gateway.PUBLISH_LAG_METRIC,
    ):
        assert f'"{name}"' in worker_source
    assert f'service: str = "{GATEWAY_SERVICE}"' in worker_source


# ---------------------------------------------------------------- image build context


def _image_asset_dir(synth) -> Path:
    image = container(synth.template)["Image"]["Fn::Sub"]
    digest = image.rsplit(":", 1)[-1]
    return Path(synth.app.outdir) / f"asset.{digest}"


def test_image_context_holds_only_what_the_dockerfile_installs(default_synth):
    staged = _image_asset_dir(default_synth)
    files = {p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()}
    top_level = {f.split("/")[0] for f in files}

    assert top_level == {".dockerignore", "images", "layers", "pyproject.toml", "requirements-speech.txt"}
    assert "layers/common/python/connect_transcribe/gateway/__main__.py" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc") or ".egg-info" in f]
    assert not [f for f in files if f.startswith(("tests/", ".venv/", "cdk.out/", ".build/", "bench/"))]
    # Every COPY source of the Dockerfile is in the context a build gets.
    for source in re.findall(r"^COPY (\S+) ", (REPO_ROOT / DOCKERFILE).read_text(), flags=re.MULTILINE):
        assert (staged / source).exists(), source


def test_dockerfile_runs_the_gateway_module_as_non_root_with_the_model_baked_in():
    dockerfile = (REPO_ROOT / DOCKERFILE).read_text()
    instructions = [line.split(" ", 1) for line in dockerfile.splitlines() if line and not line.startswith((" ", "#"))]
    by_name: dict[str, list[str]] = {}
    for name, *rest in instructions:
        by_name.setdefault(name, []).append(rest[0] if rest else "")

    assert by_name["FROM"] == ["python:3.12-slim"]
    assert by_name["ENTRYPOINT"] == ['["python", "-m", "connect_transcribe.gateway"]']
    assert by_name["USER"] == ["10001"]
    assert "XDG_CACHE_HOME=/opt/cache" in dockerfile
    for name in VARIABLES:  # the math libraries' thread pools, pinned (speech/threads.py)
        assert f"{name}=1" in dockerfile
    assert "WhisperEngine(EngineSettings(engine='$ENGINE'" in dockerfile  # model verified at build time
    assert (REPO_ROOT / "layers/common/python/connect_transcribe/gateway/__main__.py").is_file()


@pytest.mark.parametrize("context", [X86_CONTEXT, {"gateway_engine": "base"}])
def test_image_is_rebuilt_for_another_platform_or_engine(synth, default_synth, context):
    """The platform and the ENGINE build argument are part of the image asset's hash."""
    default_image = container(default_synth.template)["Image"]
    image = container(synth(context).template)["Image"]

    assert image != default_image
