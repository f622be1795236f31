"""Alarms that say a call may not be transcribed or its transcript not delivered: stuck session jobs, API
failures, failing flow requests, a media gateway that fails sessions, lags or runs short of tasks, webhook
delivery that fails, errors, is throttled or dead-letters utterances, and File Exporter runs that fail, time out
or are never started."""

from __future__ import annotations

from aws_cdk import Duration, Fn
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.file_exporter import FileExporter
from infra.constructs.media_gateway import MediaGateway
from infra.constructs.webhook_delivery import WebhookDelivery

# Emitted by the Connect flow Lambdas (they never raise into the flow, so Lambda `Errors` stays 0).
FLOW_FAILED_METRIC = "FlowRequestFailed"
# Emitted by the webhook delivery function for each utterance it dead-letters (connect_transcribe.delivery.deliver).
WEBHOOK_FAILED_METRIC = "WebhookFailed"


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        key: kms.IKey,
        sessions_dead_letter_queue: sqs.IQueue,
        api: apigw.RestApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.topic = sns.Topic(
            self, "AlarmTopic", master_key=key, enforce_ssl=True, display_name=f"{config.service_name} alarms"
        )
        # CloudWatch publishes to the encrypted topic, so it must be able to use the key.
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))

        self.alarms: list[cloudwatch.Alarm] = []
        self._alarm(
            "SessionJobsDeadLettered",
            "Session jobs reached the dead-letter queue: calls are not being transcribed.",
            sessions_dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=1,
        )
        self._alarm(
            "ApiServerErrors",
            "The Start/Stop API answers 5xx: starts or stops are failing.",
            api.metric_server_error(period=Duration.minutes(5), statistic="Sum"),
            threshold=config.alarm_api_5xx_per_5_minutes,
        )
        self._alarm(
            "FlowRequestsFailing",
            "connect_start/connect_stop returned status=error to a contact flow.",
            self._service_sum(FLOW_FAILED_METRIC),
            threshold=1,
        )

    def _service_sum(self, metric_name: str) -> cloudwatch.Metric:
        """A count our Lambda functions emit (EMF, dimension service), summed over 5 minutes."""
        return cloudwatch.Metric(
            namespace=self._config.metrics_namespace,
            metric_name=metric_name,
            dimensions_map={"service": self._config.service_name},
            period=Duration.minutes(5),
            statistic="Sum",
        )

    def watch_gateway(self, gateway: MediaGateway) -> None:
        config = self._config
        self._alarm(
            "GatewaySessionsFailing",
            "The media gateway gave up on a session (access denied, corrupt stream, ...): a call is not transcribed.",
            gateway.metric_sessions_failed(),
            threshold=1,
        )
        self._alarm(
            "GatewayPublishLag",
            f"p95 of fragment producer timestamp -> utterance published is at or above "
            f"{config.alarm_publish_lag_p95_ms} ms: transcripts arrive late (tasks overloaded?).",
            gateway.metric_publish_lag_p95(),
            threshold=config.alarm_publish_lag_p95_ms,
        )
        if config.gateway_min_tasks > 0:
            self._alarm(
                "GatewayTasksBelowMinimum",
                f"Fewer than gateway_min_tasks={config.gateway_min_tasks} media gateway tasks ran for 5 minutes "
                "(tasks crash or cannot start: image pull, permissions, capacity).",
                gateway.metric_running_tasks(),
                threshold=config.gateway_min_tasks,
                comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                # No data means Container Insights saw no task at all.
                missing=cloudwatch.TreatMissingData.BREACHING,
            )

    def watch_delivery(
        self, delivery: WebhookDelivery, *, utterances_queue: sqs.IQueue, utterances_dead_letter_queue: sqs.IQueue
    ) -> None:
        # The exact command, with this stack's queue URLs, for whoever is paged.
        redrive = Fn.join(
            "",
            [
                "connect-transcribe redrive-dlq --from ",
                utterances_dead_letter_queue.queue_url,
                " --to ",
                utterances_queue.queue_url,
            ],
        )
        self._alarm(
            "UtterancesDeadLettered",
            Fn.join(
                "",
                [
                    "Utterances reached the dead-letter queue: webhook delivery gave up on them (its lastError "
                    "message attribute says why) or the delivery function kept failing. Transcripts were not "
                    "delivered. Fix the cause, then redrive: ",
                    redrive,
                ],
            ),
            utterances_dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=1,
        )
        self._alarm(
            "WebhookDeliveriesFailing",
            "The webhook delivery function dead-lettered utterances: the receiver refused them (4xx other than "
            "408/429) or kept failing for delivery_max_receives receives. Their logs and the DLQ messages' "
            "lastError say why; the UtterancesDeadLettered alarm has the redrive command.",
            self._service_sum(WEBHOOK_FAILED_METRIC),
            threshold=1,
        )
        self._alarm(
            "WebhookFunctionErrors",
            "The webhook delivery function failed as a whole (crash or timeout): its batch returns to the queue "
            "and the stream's later utterances wait.",
            delivery.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
        )
        self._alarm(
            "WebhookFunctionThrottled",
            "The webhook delivery function was throttled (reserved or account concurrency): transcripts are late.",
            delivery.function.metric_throttles(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
        )

    def watch_exporter(self, exporter: FileExporter) -> None:
        state_machine = exporter.state_machine
        self._alarm(
            "ExportRunsFailed",
            "A File Exporter run failed after its retries: the dates it did not commit keep their previous files "
            "(if any). Its execution history names the failed step; once the cause is fixed, export those dates "
            "again through POST /fileexporter/v1/exports.",
            state_machine.metric_failed(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
        )
        self._alarm(
            "ExportRunsTimedOut",
            f"A File Exporter run exceeded export_run_timeout_hours={self._config.export_run_timeout_hours} and "
            "was stopped: the dates it did not commit keep their previous files (if any). Export them again, "
            "with fewer hours per request or more export_max_concurrency.",
            state_machine.metric_timed_out(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
        )
        self._alarm(
            "ExportScheduleFailed",
            "EventBridge could not start the daily File Exporter run (permissions, throttling): the previous "
            "day was not exported. Export it through POST /fileexporter/v1/exports.",
            cloudwatch.Metric(
                namespace="AWS/Events",
                metric_name="FailedInvocations",
                dimensions_map={"RuleName": exporter.schedule.rule_name},
                period=Duration.minutes(5),
                statistic="Sum",
            ),
            threshold=1,
        )

    def _alarm(
        self,
        construct_id: str,
        description: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        """Fires on one period at or above `threshold` (by default); no data (nothing happening) is not a breach.

        Every alarm notifies the topic.
        """
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm
