"""The operations dashboard: load per media gateway task, latency percentiles per stage, webhook delivery, KVS
reconnects and takeovers, File Exporter runs, and the status of every alarm (each links to its alarm page).

Every custom metric here is one the runtime emits (tests/infra/test_dashboard.py checks the names against the
code): the worker's EMF metrics carry the dimension service=media-gateway, the Lambda functions' powertools metrics
service=<service_name>, both in the namespace metrics_namespace.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, Fn, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.file_exporter import FileExporter
from infra.constructs.media_gateway import GATEWAY_SERVICE, MediaGateway
from infra.constructs.webhook_delivery import WebhookDelivery

FULL_WIDTH = 24
PERCENTILES = ("p50", "p95", "p99")
# The stages of an utterance's latency (README "Media gateway"), in order: the gateway's, then the webhook's.
GATEWAY_STAGES = (
    ("EndpointWaitMs", "Endpoint wait: end of speech -> utterance closed by the endpointer"),
    ("DecodeMs", "Decode: speech-to-text of one utterance"),
    ("PublishMs", "Publish: DynamoDB put + SQS send, retries included"),
)
DELIVERY_STAGE = ("DeliveryMs", "Delivery: queued by the gateway -> the webhook's 2xx")
# The rest of the breakdown, p95 on one graph (FallbackDecodeMs only exists for utterances whose fallback ran).
OTHER_GATEWAY_STAGES = ("QueueWaitMs", "FallbackDecodeMs", "PublishQueueMs", "RedactMs")


class OperationsDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        gateway: MediaGateway,
        delivery: WebhookDelivery,
        sessions_dead_letter_queue: sqs.IQueue,
        utterances_dead_letter_queue: sqs.IQueue,
        exporter: FileExporter,
        alarms: Sequence[cloudwatch.IAlarm],
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        stack = Stack.of(self)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{stack.stack_name}-operations",
            default_interval=Duration.hours(3),
        )
        self.url = Fn.join(
            "",
            [
                "https://",
                Aws.REGION,
                ".console.aws.amazon.com/cloudwatch/home?region=",
                Aws.REGION,
                "#dashboards:name=",
                self.dashboard.dashboard_name,
            ],
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms (select one for its description, history and the runbook it names)",
                alarms=list(alarms),
                width=FULL_WIDTH,
                height=4,
            )
        )
        self._sessions(gateway)
        self._latency()
        self._delivery(delivery, sessions_dead_letter_queue, utterances_dead_letter_queue)
        self._kvs(gateway)
        self._exporter(exporter)

    # ------------------------------------------------------------------ rows

    def _sessions(self, gateway: MediaGateway) -> None:
        per_task = self._gateway("ActiveSessions", "Average", label="active sessions per task (average)")
        tasks = gateway.metric_running_tasks().with_(statistic="Average", period=Duration.minutes(1))
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Calls per task (ActiveSessions; the autoscaling target follows the average)",
                left=[
                    per_task,
                    self._gateway("ActiveSessions", "Maximum", label="busiest task"),
                    self._gateway("SessionCapacity", "Maximum", label="capacity per task (max_sessions)"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Active sessions, all tasks",
                left=[
                    cloudwatch.MathExpression(
                        expression="per_task * tasks",
                        using_metrics={"per_task": per_task, "tasks": tasks},
                        label="active sessions (average per task x running tasks)",
                        period=Duration.minutes(1),
                    )
                ],
                right=[tasks.with_(label="running tasks")],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                right_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Sessions started and failed",
                left=[
                    self._gateway("SessionsStarted", "Sum", minutes=5, label="started"),
                    self._gateway("SessionsFailed", "Sum", minutes=5, label="failed (GatewaySessionsFailing)"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
        )

    def _latency(self) -> None:
        stages = [
            self._percentiles(f"{name}: {title}", [self._gateway(name, stat, minutes=5) for stat in PERCENTILES])
            for name, title in GATEWAY_STAGES
        ]
        name, title = DELIVERY_STAGE
        stages.append(self._percentiles(f"{name}: {title}", [self._function(name, stat) for stat in PERCENTILES]))
        self.dashboard.add_widgets(*stages)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="PublishLagMs: end of speech -> published (GatewayPublishLag alarms on its p95)",
                left=[self._gateway("PublishLagMs", stat, minutes=5, label=stat) for stat in PERCENTILES],
                left_annotations=[
                    cloudwatch.HorizontalAnnotation(
                        value=self._config.alarm_publish_lag_p95_ms, label="alarm_publish_lag_p95_ms"
                    )
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0, label="ms", show_units=False),
                width=8,
            ),
            self._percentiles(
                "EndToEndMs: end of speech -> the webhook's 2xx",
                [self._function("EndToEndMs", stat) for stat in PERCENTILES],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Other stages, p95",
                left=[
                    *(self._gateway(name, "p95", minutes=5, label=name) for name in OTHER_GATEWAY_STAGES),
                    self._function("WebhookLatencyMs", "p95", label="WebhookLatencyMs (SQS sent -> 2xx)"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0, label="ms", show_units=False),
                width=8,
            ),
        )

    def _delivery(self, delivery: WebhookDelivery, sessions_dlq: sqs.IQueue, utterances_dlq: sqs.IQueue) -> None:
        function = delivery.function
        five = Duration.minutes(5)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Webhook deliveries",
                left=[
                    self._function("WebhookDelivered", "Sum", label="delivered (2xx)"),
                    self._function("WebhookFailed", "Sum", label="failed: dead-lettered (WebhookDeliveriesFailing)"),
                    self._function("WebhookRetried", "Sum", label="retried"),
                    self._function("WebhookDeferred", "Sum", label="deferred to a later receive"),
                    self._function("InterimsDelivered", "Sum", label="interims delivered"),
                    self._function("InterimsDropped", "Sum", label="interims dropped (perishable: failed, stale)"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues: messages waiting (alarm at 1; see the alarm for the redrive command)",
                left=[
                    utterances_dlq.metric_approximate_number_of_messages_visible(
                        period=Duration.minutes(1), statistic="Maximum", label="utterances DLQ"
                    ),
                    sessions_dlq.metric_approximate_number_of_messages_visible(
                        period=Duration.minutes(1), statistic="Maximum", label="session jobs DLQ"
                    ),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Webhook delivery function",
                left=[
                    function.metric_invocations(period=five, statistic="Sum", label="invocations"),
                    function.metric_errors(period=five, statistic="Sum", label="errors"),
                    function.metric_throttles(period=five, statistic="Sum", label="throttles"),
                ],
                right=[function.metric_duration(period=five, statistic="p95", label="duration p95")],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                right_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
        )

    def _kvs(self, gateway: MediaGateway) -> None:
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="KVS reconnects (GetMedia re-opened mid-session)",
                left=[self._gateway("KvsReconnects", "Sum", minutes=5, label="reconnects")],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Takeovers (another owner's session carried on: handover, crash, lost lease)",
                left=[
                    self._gateway("SessionsTakenOver", "Sum", minutes=5, label="taken over"),
                    self._gateway("SessionsStarted", "Sum", minutes=5, label="all sessions started"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Reading behind live (MillisBehindNow)",
                left=[self._gateway("MillisBehindNow", stat, label=stat) for stat in ("p95", "Maximum")],
                left_y_axis=cloudwatch.YAxisProps(min=0, label="ms", show_units=False),
                width=8,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Call recordings (audioRecordingAllowed)",
                left=[
                    self._gateway("RecordingsJoined", "Sum", minutes=5, label="WAVs joined"),
                    self._gateway("RecordingSegmentsWritten", "Sum", minutes=5, label="30 s segments written"),
                    self._gateway("RecordingWriteFailures", "Sum", minutes=5, label="segment writes retried"),
                    self._gateway("RecordingFailures", "Sum", minutes=5, label="recordings not saved"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
        )

    def _exporter(self, exporter: FileExporter) -> None:
        machine = exporter.state_machine
        hour = Duration.hours(1)
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="File Exporter runs (Step Functions executions)",
                left=[
                    machine.metric_started(period=hour, statistic="Sum", label="started"),
                    machine.metric_succeeded(period=hour, statistic="Sum", label="succeeded"),
                    machine.metric_failed(period=hour, statistic="Sum", label="failed (ExportRunsFailed)"),
                    machine.metric_timed_out(period=hour, statistic="Sum", label="timed out (ExportRunsTimedOut)"),
                ],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="File Exporter: committed runs and exported rows",
                left=[self._function("ExportRuns", "Sum", period=hour, label="runs committed (ExportRuns)")],
                right=[self._function("ExportedRows", "Sum", period=hour, label="rows exported (ExportedRows)")],
                left_y_axis=cloudwatch.YAxisProps(min=0),
                right_y_axis=cloudwatch.YAxisProps(min=0),
                width=8,
            ),
        )

    # ------------------------------------------------------------------ metrics

    @staticmethod
    def _percentiles(title: str, metrics: Sequence[cloudwatch.Metric], *, width: int = 6) -> cloudwatch.GraphWidget:
        """One stage's p50/p95/p99 (`metrics` in the order of PERCENTILES), in ms."""
        return cloudwatch.GraphWidget(
            title=title,
            left=[metric.with_(label=stat) for metric, stat in zip(metrics, PERCENTILES, strict=True)],
            left_y_axis=cloudwatch.YAxisProps(min=0, label="ms", show_units=False),
            width=width,
        )

    def _gateway(self, name: str, statistic: str, *, minutes: int = 1, label: str | None = None) -> cloudwatch.Metric:
        """A metric the worker emits (EMF, dimension service=media-gateway)."""
        return cloudwatch.Metric(
            namespace=self._config.metrics_namespace,
            metric_name=name,
            dimensions_map={"service": GATEWAY_SERVICE},
            statistic=statistic,
            period=Duration.minutes(minutes),
            label=label,
        )

    def _function(
        self, name: str, statistic: str, *, period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """A metric a Lambda function emits (powertools, dimension service=<service_name>)."""
        return cloudwatch.Metric(
            namespace=self._config.metrics_namespace,
            metric_name=name,
            dimensions_map={"service": self._config.service_name},
            statistic=statistic,
            period=period or Duration.minutes(5),
            label=label,
        )
