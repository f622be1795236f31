"""The File Exporter API: feeds, dates, intervals, files (presigned URLs) and on-demand exports, as routes of the
control API's RestApi. Always AWS_IAM, whatever `api_auth` says: the callers are back-end services.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from connect_transcribe.settings import FeedApiSettings, environment
from constructs import Construct

from infra.config import FILE_EXPORTER_PATHS, DeploymentConfig
from infra.constructs.feed_bucket import DATA_PREFIX, MANIFESTS_PREFIX, FeedBucket
from infra.constructs.layers import Layers
from infra.constructs.service_function import ServiceFunction
from infra.nag import acknowledge, logical_id

FOLDER = "file_exporter_api"


class FileExporterApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        layers: Layers,
        key: kms.IKey,
        api: apigw.RestApi,
        feed: FeedBucket,
        state_machine: sfn.StateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.handler = ServiceFunction(
            self,
            "Function",
            config=config,
            layers=layers,
            folder=FOLDER,
            description=f"{config.service_name} File Exporter API (feed dates, files, presigned URLs, exports)",
            memory_mb=config.api_memory_mb,
            timeout=Duration.seconds(config.api_timeout_seconds),
            environment=environment(
                FeedApiSettings,
                feed_bucket=feed.bucket.bucket_name,
                formats=config.export_formats,
                url_ttl_seconds=str(config.feed_url_ttl_seconds),
                state_machine_arn=state_machine.state_machine_arn,
                max_interval_hours=str(config.export_max_interval_hours),
                max_body_bytes=str(config.api_max_body_bytes),
                retention_days=str(config.retention_days),
            ),
        )
        self.function = self.handler.function
        role = self.handler.role
        # Read only: manifests, and the data files it presigns URLs for (a URL carries this role's permissions).
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[feed.objects_arn(MANIFESTS_PREFIX), feed.objects_arn(DATA_PREFIX)],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[feed.bucket.bucket_arn],
                # Lists the manifests (the available dates). Not narrowed by s3:prefix: S3 answers a GET of a missing
                # manifest with 404 (not 403) only to callers holding ListBucket, and whether a prefix condition
                # counts there is undocumented. Listing reveals object names, never contents.
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            )
        )
        state_machine.grant_start_execution(role)
        self._executions_arn = stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{state_machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["states:DescribeExecution"], resources=[self._executions_arn])
        )

        integration = apigw.LambdaIntegration(self.function, proxy=True)
        self.methods = [
            api.root.resource_for_path(path).add_method(
                method, integration, authorization_type=apigw.AuthorizationType.IAM
            )
            for method, path in FILE_EXPORTER_PATHS
        ]

        bucket_id = logical_id(feed.bucket)
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            "Read-only object grants limited to the manifests and the data files of the feed bucket (file names are "
            "only known from the manifests), and DescribeExecution on the export state machine's executions "
            "(execution names are export ids chosen at run time).",
            findings=[
                f"Resource::<{bucket_id}.Arn>/{MANIFESTS_PREFIX}*",
                f"Resource::<{bucket_id}.Arn>/{DATA_PREFIX}*",
                "Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
                f"<{logical_id(state_machine)}.Name>:*",
            ],
        )
