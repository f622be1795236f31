"""The service: key, table, queues, layers, control API, Connect flow Lambdas, media gateway, webhook delivery,
File Exporter (feed bucket, run, Athena, API), alarms and the operations dashboard.

One stack keeps the table/queue references between the API and the media gateway plain Refs.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.config import DeploymentConfig
from infra.constructs.agent_events import AgentEvents
from infra.constructs.connect_flow import ConnectFlowFunctions
from infra.constructs.control_api import ControlApi
from infra.constructs.dashboard import OperationsDashboard
from infra.constructs.encryption import Encryption
from infra.constructs.feed_bucket import FeedBucket
from infra.constructs.feed_catalog import FeedCatalog
from infra.constructs.file_exporter import FileExporter
from infra.constructs.file_exporter_api import FileExporterApi
from infra.constructs.layers import Layers
from infra.constructs.media_gateway import MediaGateway
from infra.constructs.monitoring import Monitoring
from infra.constructs.network import Network
from infra.constructs.recordings_bucket import RecordingsBucket
from infra.constructs.sessions_queue import SessionsQueue
from infra.constructs.storage import Storage
from infra.constructs.utterances_queue import UtterancesQueue
from infra.constructs.webhook_delivery import WebhookDelivery


class ControlPlaneStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="connect-transcribe: control API, session store, Connect flow Lambdas, media gateway, "
            "webhook delivery and File Exporter",
            **kwargs,
        )
        Tags.of(self).add("service", config.service_name)

        encryption = Encryption(self, "Encryption", config=config)
        storage = Storage(self, "Storage", config=config, key=encryption.key)
        sessions = SessionsQueue(self, "Sessions", config=config, key=encryption.key)
        layers = Layers(self, "Layers", config=config)
        recordings = RecordingsBucket(self, "Recordings", config=config, key=encryption.key)
        api = ControlApi(
            self,
            "ControlApi",
            config=config,
            layers=layers,
            key=encryption.key,
            table=storage.table,
            sessions_queue=sessions.queue,
            recordings=recordings,
        )
        flow = ConnectFlowFunctions(self, "ConnectFlow", config=config, layers=layers, api=api)
        if config.agent_event_stream_arn is not None:  # pause on hold, opt-in
            AgentEvents(
                self,
                "AgentEvents",
                config=config,
                layers=layers,
                key=encryption.key,
                table=storage.table,
                sessions_queue=sessions.queue,
            )
        utterances = UtterancesQueue(self, "Utterances", config=config, key=encryption.key)
        network = Network(self, "Network", config=config, key=encryption.key)
        gateway = MediaGateway(
            self,
            "MediaGateway",
            config=config,
            key=encryption.key,
            vpc=network.vpc,
            table=storage.table,
            sessions_queue=sessions.queue,
            utterances_queue=utterances.queue,
            recordings=recordings,
        )
        delivery = WebhookDelivery(
            self,
            "WebhookDelivery",
            config=config,
            layers=layers,
            key=encryption.key,
            queue=utterances.queue,
            dead_letter_queue=utterances.dead_letter_queue,
        )
        feed = FeedBucket(self, "Feed", config=config, key=encryption.key)
        catalog = FeedCatalog(self, "FeedCatalog", config=config, key=encryption.key, bucket=feed.bucket)
        exporter = FileExporter(
            self,
            "FileExporter",
            config=config,
            layers=layers,
            key=encryption.key,
            table=storage.table,
            export_index_arn=storage.export_index_arn,
            feed=feed,
        )
        FileExporterApi(
            self,
            "FileExporterApi",
            config=config,
            layers=layers,
            key=encryption.key,
            api=api.api,
            feed=feed,
            state_machine=exporter.state_machine,
        )
        monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            key=encryption.key,
            sessions_dead_letter_queue=sessions.dead_letter_queue,
            api=api.api,
        )
        monitoring.watch_gateway(gateway)
        monitoring.watch_delivery(
            delivery, utterances_queue=utterances.queue, utterances_dead_letter_queue=utterances.dead_letter_queue
        )
        monitoring.watch_exporter(exporter)
        # After every watch_*: the dashboard shows the status of all the alarms.
        dashboard = OperationsDashboard(
            self,
            "Dashboard",
            config=config,
            gateway=gateway,
            delivery=delivery,
            sessions_dead_letter_queue=sessions.dead_letter_queue,
            utterances_dead_letter_queue=utterances.dead_letter_queue,
            exporter=exporter,
            alarms=monitoring.alarms,
        )

        CfnOutput(self, "ApiUrl", value=api.base_url, description="Control API stage URL (no trailing slash)")
        CfnOutput(self, "TableName", value=storage.table.table_name)
        CfnOutput(self, "SessionsQueueUrl", value=sessions.queue.queue_url)
        CfnOutput(self, "SessionsDeadLetterQueueUrl", value=sessions.dead_letter_queue.queue_url)
        CfnOutput(self, "ConnectStartFunctionArn", value=flow.start.function.function_arn)
        CfnOutput(self, "ConnectStopFunctionArn", value=flow.stop.function.function_arn)
        CfnOutput(self, "AlarmTopicArn", value=monitoring.topic.topic_arn)
        CfnOutput(self, "DashboardUrl", value=dashboard.url, description="CloudWatch operations dashboard")
        CfnOutput(self, "UtterancesQueueUrl", value=utterances.queue.queue_url)
        CfnOutput(self, "UtterancesDeadLetterQueueUrl", value=utterances.dead_letter_queue.queue_url)
        CfnOutput(self, "MediaGatewayClusterName", value=gateway.cluster.cluster_name)
        CfnOutput(self, "MediaGatewayServiceName", value=gateway.service.service_name)
        CfnOutput(
            self,
            "MediaGatewayTaskRoleArn",
            value=gateway.task_role.role_arn,
            description="Principal to trust in the KVS account's role (cross-account kvs_role_arn)",
        )
        CfnOutput(
            self,
            "WebhookFunctionName",
            value=delivery.function.function_name,
            description="Webhook delivery function"
            + ("" if delivery.attached else " (IDLE: webhook_url not set, not attached to the utterances queue)"),
        )
        CfnOutput(
            self,
            "WebhookSecretArn",
            value=delivery.secret.secret_arn,
            description="Webhook credentials secret: token, signingSecret (share with the receiver), "
            "clientId/clientSecret, certificatePem/privateKeyPem, caBundlePem",
        )
        CfnOutput(self, "FeedBucketName", value=feed.bucket.bucket_name, description="File Exporter feed bucket")
        CfnOutput(
            self, "RecordingsBucketName", value=recordings.bucket.bucket_name, description="Call recordings bucket"
        )
        CfnOutput(self, "ExportStateMachineArn", value=exporter.state_machine.state_machine_arn)
        CfnOutput(self, "GlueDatabaseName", value=catalog.database.ref, description="Athena database of the feed")
        CfnOutput(self, "AthenaWorkGroupName", value=catalog.workgroup.ref)
        if api.credentials_secret is not None:
            CfnOutput(self, "ApiCredentialsSecretArn", value=api.credentials_secret.secret_arn)
