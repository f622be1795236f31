"""The File Exporter run: export_plan -> export_hour per hour (Map) -> export_commit as a Standard state machine,
started daily by an EventBridge rule (the previous UTC day) or on demand by the file exporter API.

Each function gets only what its step touches: the plan nothing, an hour the export index and the prefixes it
writes, the commit the prefixes it reads, swaps and cleans.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from connect_transcribe.settings import ExportSettings, environment
from constructs import Construct

from infra.config import EXPORT_PLAN_MEMORY_MB, EXPORT_PLAN_TIMEOUT_SECONDS, DeploymentConfig
from infra.constructs.feed_bucket import DATA_PREFIX, MANIFESTS_PREFIX, RUNS_PREFIX, SYMLINKS_PREFIX, FeedBucket
from infra.constructs.layers import Layers
from infra.constructs.service_function import ServiceFunction
from infra.nag import acknowledge, logical_id

# Failures worth another try (throttling, a timed-out hour, S3 or DynamoDB hiccups): a task's own error
# surfaces as States.TaskFailed. CDK adds the Lambda service errors (Lambda.ServiceException, ...) before it.
RETRY_ERRORS = ["States.TaskFailed"]
# A function's own exception reaches Step Functions named by its class (the Lambda errorType). These fail the
# same way every time (a stored message that is not an utterance, an invalid interval, a malformed step input),
# so the run fails at once with that error instead of after three backed-off retries.
PERMANENT_ERRORS = ["CorruptMessage", "InvalidExport", "ValidationError"]
RETRY_INTERVAL = Duration.seconds(10)
RETRY_ATTEMPTS = 3
RETRY_BACKOFF = 2.0
# S3 multipart uploads encrypt each part with the bucket's KMS key and need Decrypt to complete; DynamoDB reads
# of a CMK-encrypted table need Decrypt. Both only through those services.
KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
# Feed bucket prefixes each step holds object grants on (for the nag acknowledgments).
HOUR_PREFIXES = (DATA_PREFIX, RUNS_PREFIX)
COMMIT_PREFIXES = (RUNS_PREFIX, MANIFESTS_PREFIX, SYMLINKS_PREFIX, DATA_PREFIX)


class FileExporter(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        layers: Layers,
        key: kms.IKey,
        table: dynamodb.ITable,
        export_index_arn: str,
        feed: FeedBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.feed = feed
        region = Stack.of(self).region
        # The same for the three steps.
        step_environment = environment(
            ExportSettings,
            table_name=table.table_name,
            feed_bucket=feed.bucket.bucket_name,
            formats=config.export_formats,
            max_file_rows=str(config.export_max_file_rows),
            max_interval_hours=str(config.export_max_interval_hours),
            # Hours older than the messages' TTL may be partly deleted: the plan refuses to re-export them.
            retention_days=str(config.retention_days),
        )
        description = f"{config.service_name} File Exporter"
        self.plan = ServiceFunction(
            self,
            "PlanFunction",
            config=config,
            layers=layers,
            folder="export_plan",
            description=f"{description} plan: the hours of a run (previous UTC day, a date or an interval)",
            memory_mb=EXPORT_PLAN_MEMORY_MB,
            timeout=Duration.seconds(EXPORT_PLAN_TIMEOUT_SECONDS),
            environment=step_environment,
        )
        self.hour = ServiceFunction(
            self,
            "HourFunction",
            config=config,
            layers=layers,
            folder="export_hour",
            description=f"{description} hour: one UTC hour of utterances into feed files",
            memory_mb=config.export_hour_memory_mb,
            timeout=Duration.seconds(config.export_hour_timeout_seconds),
            environment=step_environment,
            extra_layers=[layers.export],
        )
        self.commit = ServiceFunction(
            self,
            "CommitFunction",
            config=config,
            layers=layers,
            folder="export_commit",
            description=f"{description} commit: swap day manifests, write Athena symlinks, delete replaced files",
            memory_mb=config.export_commit_memory_mb,
            timeout=Duration.seconds(config.export_commit_timeout_seconds),
            environment=step_environment,
        )

        # export_plan: no grant (it only computes hour slots).
        # export_hour: the index (not the table), its data files and run results (write only, never delete).
        hour_role = self.hour.role
        hour_role.add_to_principal_policy(iam.PolicyStatement(actions=["dynamodb:Query"], resources=[export_index_arn]))
        hour_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[feed.objects_arn(DATA_PREFIX), feed.objects_arn(RUNS_PREFIX)],
            )
        )
        hour_role.add_to_principal_policy(
            _key_statement(key, KEY_ACTIONS, [f"dynamodb.{region}.amazonaws.com", f"s3.{region}.amazonaws.com"])
        )
        # export_commit: reads run results and manifests, swaps manifests (conditional PUT), writes symlinks,
        # deletes replaced/stray data files and the run's results, and lists the bucket (see _grant_commit).
        self._grant_commit(self.commit.role, key, region)

        self.state_machine = self._state_machine(config, key)
        self.schedule = events.Rule(
            self,
            "Schedule",
            description=f"{description}: export the previous UTC day ({config.export_schedule})",
            schedule=events.Schedule.expression(config.export_schedule),
            enabled=config.export_enabled,
            # No input: the target receives the scheduled event itself, whose `time` tells export_plan the day.
            targets=[targets.SfnStateMachine(self.state_machine)],
        )
        self._acknowledge()

    def _grant_commit(self, role: iam.IRole, key: kms.IKey, region: str) -> None:
        feed = self.feed
        grants = {
            "s3:GetObject": [RUNS_PREFIX, MANIFESTS_PREFIX],
            "s3:PutObject": [MANIFESTS_PREFIX, SYMLINKS_PREFIX],
            "s3:DeleteObject": [DATA_PREFIX, RUNS_PREFIX],
        }
        for action, prefixes in grants.items():
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=[action], resources=[feed.objects_arn(p) for p in prefixes])
            )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[feed.bucket.bucket_arn],
                # Not narrowed by s3:prefix: S3 answers a GET of a missing key (a date's first manifest) with 404
                # only to callers holding ListBucket, and whether a prefix condition counts there is undocumented.
                # A 403 would fail every first commit of a day. Listing reveals object names, never contents.
            )
        )
        role.add_to_principal_policy(_key_statement(key, KEY_ACTIONS, [f"s3.{region}.amazonaws.com"]))

    def _state_machine(self, config: DeploymentConfig, key: kms.IKey) -> sfn.StateMachine:
        plan = self._task("Plan", self.plan)
        # Hour results stay small ({slot, rows}) and are discarded: the commit reads them from S3.
        hours = sfn.Map(
            self,
            "ExportHours",
            comment="export_hour for each slot of the plan",
            items_path=sfn.JsonPath.string_at("$.slots"),
            item_selector={
                "run_id": sfn.JsonPath.string_at("$.run_id"),
                "started_at_ms": sfn.JsonPath.number_at("$.started_at_ms"),
                "slot": sfn.JsonPath.string_at("$$.Map.Item.Value"),
            },
            max_concurrency=config.export_max_concurrency,
            result_path=sfn.JsonPath.DISCARD,
        )
        hours.item_processor(self._task("ExportHour", self.hour))
        # With the Map's result discarded, the commit's input is the plan itself.
        definition = plan.next(hours).next(self._task("Commit", self.commit))

        self.log_group = logs.LogGroup(
            self,
            "RunLogs",
            encryption_key=key,
            retention=config.log_retention,
            removal_policy=config.cdk_removal_policy,
        )
        return sfn.StateMachine(
            self,
            "StateMachine",
            comment=f"{config.service_name} File Exporter: plan, export each hour, commit",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=Duration.hours(config.export_run_timeout_hours),
            tracing_enabled=True,
            # Execution data is run ids, hour slots and counts: no utterance text passes through the run.
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )

    def _task(self, name: str, step: ServiceFunction) -> tasks.LambdaInvoke:
        task = tasks.LambdaInvoke(
            self,
            name,
            lambda_function=step.function,
            # The function's return value is the state's output (no Payload/StatusCode envelope).
            payload_response_only=True,
            retry_on_service_exceptions=True,
        )
        # Retriers are tried in order and the first that matches decides: this one must precede States.TaskFailed.
        task.add_retry(errors=PERMANENT_ERRORS, max_attempts=0)
        task.add_retry(
            errors=RETRY_ERRORS,
            interval=RETRY_INTERVAL,
            max_attempts=RETRY_ATTEMPTS,
            backoff_rate=RETRY_BACKOFF,
            jitter_strategy=sfn.JitterType.FULL,
        )
        return task

    def _acknowledge(self) -> None:
        for step, prefixes in ((self.hour, HOUR_PREFIXES), (self.commit, COMMIT_PREFIXES)):
            acknowledge(
                step.role,
                "AwsSolutions-IAM5",
                "S3 object grants are limited to the feed bucket prefixes this step writes, reads or cleans "
                "(utterances/, _runs/, _manifests/, _symlinks/): the object names (run ids, hours, parts) are only "
                "known at run time.",
                findings=[f"Resource::{self._nag_objects(prefix)}" for prefix in prefixes],
            )
        role = self.state_machine.role
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            "Step Functions' LambdaInvoke grants lambda:InvokeFunction on each step function and its "
            "versions/aliases (ARN:*), nothing else.",
            findings=[f"Resource::<{logical_id(s.function)}.Arn>:*" for s in (self.plan, self.hour, self.commit)],
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            "Added by tracing and logging: xray:PutTraceSegments/PutTelemetryRecords/GetSampling* and the CloudWatch "
            "Logs delivery actions (logs:CreateLogDelivery, ...) have no resource-level permissions.",
            findings=["Resource::*"],
        )

    def _nag_objects(self, prefix: str) -> str:
        """An object ARN pattern under the feed bucket as cdk-nag prints it."""
        return f"<{logical_id(self.feed.bucket)}.Arn>/{prefix}*"


def _key_statement(key: kms.IKey, actions: list[str], services: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        actions=actions,
        resources=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": services[0] if len(services) == 1 else services}},
    )
