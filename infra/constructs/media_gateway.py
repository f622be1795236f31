"""The media gateway: an ECS Fargate service that reads Connect's KVS streams, transcribes and publishes.

Each task takes session jobs from the `sessions` queue and runs up to MAX_SESSIONS at once. Scaling
follows the active sessions per task (EMF metric) and adds tasks fast when jobs wait in the queue.
"""

from __future__ import annotations

import json

from aws_cdk import ArnFormat, Duration, Size, Stack
from aws_cdk import aws_applicationautoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from connect_transcribe.models.vocabulary import VocabularyEntry
from connect_transcribe.settings import GatewaySettings, environment
from constructs import Construct

from infra.config import REPO_ROOT, Architecture, DeploymentConfig
from infra.constructs.recordings_bucket import RecordingsBucket
from infra.constructs.service_function import powertools_environment
from infra.nag import acknowledge

DOCKERFILE = "images/media_gateway/Dockerfile"  # relative to the build context, the repository root

# The worker's EMF metrics: namespace config.metrics_namespace, exactly one dimension service=media-gateway.
GATEWAY_SERVICE = "media-gateway"
ACTIVE_SESSIONS_METRIC = "ActiveSessions"
SESSIONS_FAILED_METRIC = "SessionsFailed"
PUBLISH_LAG_METRIC = "PublishLagMs"

# What the worker may call on a Connect stream: the data endpoint, the live media, and the fragment
# lookup that turns a start timestamp into a StartFragmentNumber.
KVS_ACTIONS = [
    "kinesisvideo:GetDataEndpoint",
    "kinesisvideo:GetMedia",
    "kinesisvideo:ListFragments",
    "kinesisvideo:GetMediaForFragmentList",
]
# Consume jobs, hold them while a session runs (visibility = lease), and re-send a running session's job
# as its hand-over copy, which takes over if this task dies.
SESSIONS_QUEUE_ACTIONS = ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:SendMessage"]
UTTERANCES_QUEUE_ACTIONS = ["sqs:SendMessage"]
TABLE_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
]
# SQS encrypts with our key on the caller's behalf; DynamoDB uses its own grant on the key.
QUEUE_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
# ECS gives a task this long between SIGTERM and SIGKILL (Fargate's maximum): time to hand sessions over.
STOP_TIMEOUT = Duration.seconds(120)
# Fargate Spot warns 2 minutes before it reclaims a task and ECS sends SIGTERM at that warning: STOP_TIMEOUT must fit
# inside it, or the handover is cut short by the reclaim rather than by SIGKILL.
SPOT_INTERRUPTION_NOTICE = Duration.minutes(2)
# The worker touches its liveness file twice a second once its model is loaded and it takes jobs
# (connect_transcribe/gateway/health.py); the check fails when the file is missing or 30 s old. ECS counts a new
# task healthy only then, so a deploy drains the old tasks after the new ones can transcribe, and it replaces a task
# whose worker hangs (3 failures, 45 s). The start period covers the model load on a cold image pull.
HEALTH_CHECK = ecs.HealthCheck(
    command=["CMD", "python", "-m", "connect_transcribe.gateway.health"],
    interval=Duration.seconds(15),
    timeout=Duration.seconds(5),
    retries=3,
    start_period=Duration.seconds(60),
)


def kvs_stream_name_pattern(prefix: str) -> str:
    """IAM pattern for Connect's stream names, "<prefix>-connect-<instance alias>-contact-<contact id>".

    Without a prefix, any stream Connect names (with or without a prefix) matches.
    """
    return f"{prefix}-connect-*-contact-*" if prefix else "*connect-*-contact-*"


def vocabulary_json(entries: tuple[VocabularyEntry, ...]) -> str | None:
    """CUSTOM_VOCABULARY as GatewaySettings reads it (a JSON array in the wire shape); None (left out) when empty."""
    if not entries:
        return None
    return json.dumps([e.model_dump(mode="json", by_alias=True) for e in entries], separators=(",", ":"))


def capacity_provider_strategies(config: DeploymentConfig) -> list[ecs.CapacityProviderStrategy] | None:
    """FARGATE for the on-demand base, then tasks split FARGATE : FARGATE_SPOT by gateway_spot_percent.

    None (spot 0): the service keeps launchType FARGATE and the template does not change.
    """
    spot = config.gateway_spot_percent
    if spot == 0:
        return None
    return [
        ecs.CapacityProviderStrategy(
            capacity_provider="FARGATE", base=config.gateway_on_demand_tasks, weight=100 - spot
        ),
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=spot),
    ]


def gateway_metric(config: DeploymentConfig, name: str, *, statistic: str, minutes: int = 1) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=config.metrics_namespace,
        metric_name=name,
        dimensions_map={"service": GATEWAY_SERVICE},
        statistic=statistic,
        period=Duration.minutes(minutes),
    )


class MediaGateway(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        key: kms.IKey,
        vpc: ec2.IVpc,
        table: dynamodb.ITable,
        sessions_queue: sqs.IQueue,
        utterances_queue: sqs.IQueue,
        recordings: RecordingsBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        stack = Stack.of(self)

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=config.log_retention,
            removal_policy=config.cdk_removal_policy,
            encryption_key=key,
        )
        self.task_role = iam.Role(
            self,
            "TaskRole",
            assumed_by=_ecs_tasks_principal(stack),
            description=f"{config.service_name} media gateway task (KVS, queues, table)",
        )
        self.execution_role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=_ecs_tasks_principal(stack),
            description=f"{config.service_name} media gateway task execution (image pull, logs)",
        )
        self._grant_task_permissions(
            config,
            stack,
            key=key,
            table=table,
            sessions_queue=sessions_queue,
            utterances_queue=utterances_queue,
            recordings=recordings,
        )

        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=config.gateway_cpu,
            memory_limit_mib=config.gateway_memory_mb,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=config.gateway_cpu_architecture,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
            task_role=self.task_role,
            execution_role=self.execution_role,
            volumes=[ecs.Volume(name="tmp")],
        )
        self.container = self.task_definition.add_container(
            "Gateway",
            image=ecs.ContainerImage.from_asset(
                str(REPO_ROOT),
                file=DOCKERFILE,
                platform=(
                    ecr_assets.Platform.LINUX_ARM64
                    if config.gateway_architecture is Architecture.ARM_64
                    else ecr_assets.Platform.LINUX_AMD64
                ),
                build_args={"ENGINE": config.gateway_engine},
            ),
            environment=self._environment(config, table, sessions_queue, utterances_queue, recordings),
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="gateway",
                log_group=self.log_group,
                # A real-time audio pipeline must not stall on a slow log write; the buffer absorbs bursts.
                mode=ecs.AwsLogDriverMode.NON_BLOCKING,
                max_buffer_size=Size.mebibytes(25),
            ),
            stop_timeout=STOP_TIMEOUT,
            health_check=HEALTH_CHECK,
            readonly_root_filesystem=True,
        )
        self.container.add_mount_points(ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False))  # noqa: S108 - the task's own scratch volume

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"{config.service_name} media gateway tasks: no inbound, HTTPS out",
            allow_all_outbound=False,
        )
        # Every dependency is an AWS API over HTTPS (KVS, SQS, DynamoDB, CloudWatch Logs, ECR, STS).
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs")

        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            # Spot only: with gateway_spot_percent 0 the cluster and service keep the plain FARGATE launch type.
            enable_fargate_capacity_providers=config.gateway_spot_percent > 0 or None,
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=config.gateway_desired_tasks,
            # New tasks start before old ones get SIGTERM, so a deploy never lowers capacity.
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            # With gateway_public_ip the tasks sit in public subnets with their own IPv4 address, so GetMedia's bytes
            # skip the NAT gateway (infra/constructs/network.py). The address admits nothing: the security group has
            # no ingress rule, so only replies to the task's own HTTPS connections come back, as behind NAT.
            assign_public_ip=config.gateway_uses_public_ip,
            vpc_subnets=ec2.SubnetSelection(
                subnet_type=(
                    ec2.SubnetType.PUBLIC if config.gateway_uses_public_ip else ec2.SubnetType.PRIVATE_WITH_EGRESS
                )
            ),
            security_groups=[self.security_group],
            platform_version=ecs.FargatePlatformVersion.LATEST,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
            capacity_provider_strategies=capacity_provider_strategies(config),
        )
        self._autoscale(config, sessions_queue)
        self._acknowledge()

    # ------------------------------------------------------------------ metrics

    def metric_active_sessions(self) -> cloudwatch.Metric:
        """Sessions per task: every task emits its count every 10 s, so the average is the per-task load."""
        return gateway_metric(self._config, ACTIVE_SESSIONS_METRIC, statistic="Average")

    def metric_sessions_failed(self) -> cloudwatch.Metric:
        return gateway_metric(self._config, SESSIONS_FAILED_METRIC, statistic="Sum", minutes=5)

    def metric_publish_lag_p95(self) -> cloudwatch.Metric:
        return gateway_metric(self._config, PUBLISH_LAG_METRIC, statistic="p95", minutes=5)

    def metric_running_tasks(self) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            dimensions_map={"ClusterName": self.cluster.cluster_name, "ServiceName": self.service.service_name},
            statistic="Minimum",
            period=Duration.minutes(5),
        )

    # ------------------------------------------------------------------ parts

    @staticmethod
    def _environment(
        config: DeploymentConfig,
        table: dynamodb.ITable,
        sessions_queue: sqs.IQueue,
        utterances_queue: sqs.IQueue,
        recordings: RecordingsBucket,
    ) -> dict[str, str]:
        # Nothing here is a secret: the KVS external id guards against confused deputies, it is not a credential.
        # GatewayHealthSettings keeps its defaults (the health file on the task's /tmp volume).
        gateway = environment(
            GatewaySettings,
            table_name=table.table_name,
            sessions_queue_url=sessions_queue.queue_url,
            utterances_queue_url=utterances_queue.queue_url,
            max_sessions=str(config.gateway_max_sessions_per_task),
            engine=config.gateway_engine,
            supported_languages=json.dumps(list(config.supported_languages)),
            decode_workers=str(config.gateway_vcpus),
            lease_seconds=str(config.gateway_lease_seconds),
            end_of_stream_seconds=str(config.gateway_end_of_stream_seconds),
            retention_days=str(config.retention_days),
            recordings_bucket=recordings.bucket.bucket_name,
            custom_vocabulary=vocabulary_json(config.custom_vocabulary),
            interim_every_ms=None if config.interim_every_ms == 500 else str(config.interim_every_ms),
        )
        # Cross-account KVS access only (None leaves them out).
        kvs = environment(GatewaySettings, kvs_role_arn=config.kvs_role_arn, kvs_external_id=config.kvs_external_id)
        return {**gateway, **powertools_environment(config, GATEWAY_SERVICE), **kvs}

    def _grant_task_permissions(
        self,
        config: DeploymentConfig,
        stack: Stack,
        *,
        key: kms.IKey,
        table: dynamodb.ITable,
        sessions_queue: sqs.IQueue,
        utterances_queue: sqs.IQueue,
        recordings: RecordingsBucket,
    ) -> None:
        # Explicit action lists instead of grant_consume/grant_send/grant_read_write_data: those add
        # Scan, BatchWrite, DeleteItem and kms wildcards the worker never uses.
        sessions_queue.grant(self.task_role, *SESSIONS_QUEUE_ACTIONS)
        utterances_queue.grant(self.task_role, *UTTERANCES_QUEUE_ACTIONS)
        # The table only: Table.grant would add its indexes (index/*), which the worker never reads.
        self.task_role.add_to_principal_policy(iam.PolicyStatement(actions=TABLE_ACTIONS, resources=[table.table_arn]))
        key.grant(self.task_role, *QUEUE_KEY_ACTIONS)
        recordings.grant_recorder(self.task_role)

        if config.kvs_role_arn is not None:
            # Cross-account: the streams are read with the other account's role, never with this one.
            self.task_role.add_to_principal_policy(
                iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[config.kvs_role_arn])
            )
            return
        kvs_stream_arn = stack.format_arn(
            service="kinesisvideo",
            resource="stream",
            # Stream ARNs end in /<creation time>.
            resource_name=f"{kvs_stream_name_pattern(config.kvs_stream_prefix)}/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.task_role.add_to_principal_policy(iam.PolicyStatement(actions=KVS_ACTIONS, resources=[kvs_stream_arn]))
        if config.kvs_kms_key_arn is not None:
            # Connect can encrypt its streams with a customer key; GetMedia decrypts as the caller.
            self.task_role.add_to_principal_policy(
                iam.PolicyStatement(actions=["kms:Decrypt"], resources=[config.kvs_kms_key_arn])
            )

    def _autoscale(self, config: DeploymentConfig, sessions_queue: sqs.IQueue) -> None:
        scaling = self.service.auto_scale_task_count(
            min_capacity=config.gateway_min_tasks, max_capacity=config.gateway_max_tasks
        )
        # (1) Load: keep the average task at the target share of its MAX_SESSIONS. Scale-in is slow because
        # a stopped task hands its calls to the others.
        max_sessions = config.gateway_max_sessions_per_task
        scaling.scale_to_track_custom_metric(
            "ActiveSessionsPerTask",
            metric=self.metric_active_sessions(),
            target_value=max_sessions * config.gateway_target_utilization_percent / 100,
            scale_out_cooldown=Duration.minutes(1),
            scale_in_cooldown=Duration.minutes(5),
        )
        # (2) Backlog: jobs only wait in the queue when every task is full, and each waiting job is a call
        # not being transcribed, so add tasks at once: about one task per MAX_SESSIONS waiting jobs.
        scaling.scale_on_metric(
            "SessionsBacklog",
            metric=sessions_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            scaling_steps=[
                autoscaling.ScalingInterval(upper=0, change=0),
                autoscaling.ScalingInterval(lower=1, change=1),
                autoscaling.ScalingInterval(lower=max_sessions, change=2),
                autoscaling.ScalingInterval(lower=2 * max_sessions, change=4),
            ],
            adjustment_type=autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            # About the time a new task needs to pull the image and load the model.
            cooldown=Duration.minutes(2),
            evaluation_periods=1,
        )

    def _acknowledge(self) -> None:
        acknowledge(
            self.task_definition,
            "AwsSolutions-ECS2",
            "The environment holds names, URLs, sizes and, for cross-account KVS, a role ARN and its external "
            "id: configuration, no secrets (an external id is not a credential). It changes with each "
            "deployment anyway, so Parameter Store would add a lookup without adding protection.",
        )
        acknowledge(
            self.execution_role,
            "AwsSolutions-IAM5",
            "ecr:GetAuthorizationToken, added by ContainerImage.from_asset for the image pull, has no "
            "resource-level permissions; its resource must be '*'. The pull itself is limited to the asset "
            "repository.",
            findings=["Resource::*"],
        )
        if self._config.kvs_role_arn is None:
            acknowledge(
                self.task_role,
                "AwsSolutions-IAM5",
                "Amazon Connect creates one Kinesis Video stream per contact, named "
                "'<prefix>-connect-<instance alias>-contact-<contact id>', so the gateway can only be granted "
                "the name pattern (and the creation-time suffix of the stream ARN), limited to "
                "GetDataEndpoint/GetMedia/ListFragments/GetMediaForFragmentList in this account and region.",
                findings=[f"Resource::{self._nag_kvs_resource()}"],
            )

    def _nag_kvs_resource(self) -> str:
        """The KVS resource as cdk-nag prints it (pseudo parameters in angle brackets)."""
        pattern = kvs_stream_name_pattern(self._config.kvs_stream_prefix)
        return f"arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:stream/{pattern}/*"


def _ecs_tasks_principal(stack: Stack) -> iam.IPrincipal:
    # Confused-deputy guard: only ECS acting for this account may assume the role.
    return iam.ServicePrincipal(
        "ecs-tasks.amazonaws.com",
        conditions={
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(service="ecs", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME)
            },
            "StringEquals": {"aws:SourceAccount": stack.account},
        },
    )
