"""The control API: REST API (regional) -> API function (start/stop streaming, after-call messages),
with IAM or api-secret auth."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from connect_transcribe.models.enums import ApiAuthMode
from connect_transcribe.settings import ApiSettings, AuthorizerSettings, environment
from constructs import Construct

from infra.config import (
    API_ID_HEADER,
    API_SECRET_HEADER,
    MESSAGES_PATH,
    START_STREAMING_PATH,
    STOP_STREAMING_PATH,
    DeploymentConfig,
)
from infra.constructs.layers import Layers
from infra.constructs.recordings_bucket import RecordingsBucket
from infra.constructs.service_function import ServiceFunction
from infra.nag import acknowledge, logical_id

# Responses API Gateway produces itself (before or instead of our function), with their status codes.
# Each gets the documented error shape with code "<status>-00". Types that cannot occur here (API keys,
# usage plans, request validators) fall back to DEFAULT_4XX / DEFAULT_5XX.
_GATEWAY_RESPONSE_STATUS: dict[apigw.ResponseType, str] = {
    apigw.ResponseType.ACCESS_DENIED: "403",
    apigw.ResponseType.EXPIRED_TOKEN: "403",
    apigw.ResponseType.INVALID_SIGNATURE: "403",
    apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN: "403",
    apigw.ResponseType.WAF_FILTERED: "403",
    apigw.ResponseType.UNAUTHORIZED: "401",
    apigw.ResponseType.RESOURCE_NOT_FOUND: "404",
    apigw.ResponseType.REQUEST_TOO_LARGE: "413",
    apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE: "415",
    apigw.ResponseType.THROTTLED: "429",
    apigw.ResponseType.AUTHORIZER_FAILURE: "500",
    apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR: "500",
    apigw.ResponseType.INTEGRATION_FAILURE: "504",
    apigw.ResponseType.INTEGRATION_TIMEOUT: "504",
}
# The catch-alls keep the status API Gateway chose (unknown here), so their code is the class default.
_DEFAULT_RESPONSE_CODES: dict[apigw.ResponseType, str] = {
    apigw.ResponseType.DEFAULT_4_XX: "400-00",
    apigw.ResponseType.DEFAULT_5_XX: "500-00",
}


def error_body_template(code: str) -> str:
    """The documented error shape. `messageString` is already a quoted JSON string."""
    return (
        '{"error": {"requestId": "$context.requestId", "code": "%s", "message": $context.error.messageString}}' % code  # noqa: UP031 - braces make format() noisy
    )


# One JSON object per request; errorMessage/authorizerError explain rejections API Gateway made itself.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.identity.caller",
        "userArn": "$context.identity.userArn",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "protocol": "$context.protocol",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "integrationStatus": "$context.integrationStatus",
        "errorType": "$context.error.responseType",
        "errorMessage": "$context.error.message",
        "authorizerError": "$context.authorizer.error",
        "wafResponseCode": "$context.wafResponseCode",
        "xrayTraceId": "$context.xrayTraceId",
    }
)


class ControlApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        layers: Layers,
        key: kms.IKey,
        table: dynamodb.ITable,
        sessions_queue: sqs.IQueue,
        recordings: RecordingsBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = ServiceFunction(
            self,
            "ApiFunction",
            config=config,
            layers=layers,
            folder="api",
            description=f"{config.service_name} Start/Stop streaming API and after-call messages API",
            memory_mb=config.api_memory_mb,
            timeout=Duration.seconds(config.api_timeout_seconds),
            environment=environment(
                ApiSettings,
                table_name=table.table_name,
                sessions_queue_url=sessions_queue.queue_url,
                retention_days=str(config.retention_days),
                max_body_bytes=str(config.api_max_body_bytes),
                recordings_bucket=recordings.bucket.bucket_name,
                recording_link_seconds=str(config.recording_link_seconds),
                # a JSON list (pydantic-settings' format for a tuple), derived from gateway_engine
                supported_languages=json.dumps(list(config.supported_languages)),
                interim_results="true" if config.interim_results else None,
            ),
        )
        # Includes dynamodb:Query, which the messages route reads a conversation with.
        table.grant_read_write_data(self.handler.role)
        sessions_queue.grant_send_messages(self.handler.role)
        # The messages route links a call's recording (HEAD, then a presigned GET).
        recordings.grant_link_reader(self.handler.role)
        self.handler.acknowledge_kms_grant_wildcards("Table.grant_read_write_data and Queue.grant_send_messages")
        acknowledge(
            self.handler.role,
            "AwsSolutions-IAM5",
            "Table.grant_read_write_data also covers the table's indexes (index/*); the only one is the File "
            "Exporter's byExportSlot, which projects message bodies this function may read in the table anyway.",
            findings=[f"Resource::<{logical_id(table)}.Arn>/index/*"],
        )

        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.cdk_removal_policy
        )
        self.api = apigw.RestApi(
            self,
            "RestApi",
            description=f"{config.service_name} control API (start/stop streaming, after-call messages)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=config.api_cloudwatch_role,
            deploy_options=apigw.StageOptions(
                stage_name=config.api_stage_name,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
                logging_level=apigw.MethodLoggingLevel.INFO,
                # Bodies carry customer identifiers; never log them.
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=config.api_throttle_rate_limit,
                throttling_burst_limit=config.api_throttle_burst_limit,
            ),
        )
        # RestApi adds an unnamed "Endpoint" output; the stack exports the URL under a stable name.
        self.api.node.try_remove_child("Endpoint")
        self.stage = self.api.deployment_stage

        for response_type, status in _GATEWAY_RESPONSE_STATUS.items():
            self.api.add_gateway_response(
                f"{response_type.response_type}Response",
                type=response_type,
                status_code=status,
                templates={"application/json": error_body_template(f"{status}-00")},
            )
        for response_type, code in _DEFAULT_RESPONSE_CODES.items():
            self.api.add_gateway_response(
                f"{response_type.response_type}Response",
                type=response_type,
                templates={"application/json": error_body_template(code)},
            )

        self.credentials_secret: secretsmanager.Secret | None = None
        method_options = self._auth_method_options(config, layers, key)

        integration = apigw.LambdaIntegration(self.handler.function, proxy=True)
        for path in (START_STREAMING_PATH, STOP_STREAMING_PATH):
            resource = self.api.root.resource_for_path(path)
            resource.add_method("POST", integration, **method_options)
        # externalId is declared for the API's model; the function validates it, so a missing one gets the
        # documented error shape (400) rather than API Gateway's own message.
        self.api.root.resource_for_path(MESSAGES_PATH).add_method(
            "GET",
            integration,
            request_parameters={"method.request.querystring.externalId": True},
            **method_options,
        )

        if config.waf_web_acl_arn:
            wafv2.CfnWebACLAssociation(
                self, "WebAcl", resource_arn=self.stage.stage_arn, web_acl_arn=config.waf_web_acl_arn
            )
        else:
            acknowledge(
                self.stage,
                "AwsSolutions-APIG3",
                "WAF is optional for this API (callers are Amazon Connect flow Lambdas and back-end "
                "services authenticated by IAM or an API secret). Set context waf_web_acl_arn to "
                "associate a regional web ACL with the stage.",
            )
        acknowledge(
            self.api,
            "AwsSolutions-APIG2",
            "Request validation is done in the API function with pydantic, so that errors carry the "
            "documented error shape and name the offending field; an API Gateway model would answer "
            "with its own, less precise message first.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-COG4",
            "No Cognito users: callers are machines authenticated by AWS_IAM (SigV4) or, in api_secret "
            "mode, by a Lambda REQUEST authorizer checking the api-id/api-secret headers.",
        )
        if config.api_cloudwatch_role:
            acknowledge(
                self.api.node.find_child("CloudWatchRole"),
                "AwsSolutions-IAM4",
                "The account-level role API Gateway uses to write execution logs "
                "(RestApi cloud_watch_role=True); AWS maintains the managed policy's action list.",
                findings=[
                    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                ],
            )

    @property
    def base_url(self) -> str:
        """Stage URL without a trailing slash, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod."""
        stack = Stack.of(self)
        return f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{self.stage.stage_name}"

    def method_arn(self, path: str, http_method: str = "POST") -> str:
        """execute-api ARN of <http_method> <path> on this stage (what execute-api:Invoke is granted on)."""
        return self.api.arn_for_execute_api(http_method, path, self.stage.stage_name)

    def _auth_method_options(self, config: DeploymentConfig, layers: Layers, key: kms.IKey) -> dict[str, Any]:
        if config.api_auth is ApiAuthMode.IAM:
            return {"authorization_type": apigw.AuthorizationType.IAM}

        self.credentials_secret = secretsmanager.Secret(
            self,
            "Credentials",
            description=f"{config.service_name} API credentials (apiId / apiSecret) for the api_secret auth mode",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"apiId": config.service_name}, separators=(",", ":")),
                generate_string_key="apiSecret",
                exclude_punctuation=True,
            ),
            removal_policy=config.cdk_removal_policy,
        )
        acknowledge(
            self.credentials_secret,
            "AwsSolutions-SMG4",
            "Rotation is a deliberate, manual step: the same credentials are configured in callers outside "
            "AWS, which an automatic rotation Lambda would lock out. The secret accepts a `clients` list, so "
            "a new pair is added, callers move, the old pair is removed (docs/infra.md).",
        )
        self.authorizer_function = ServiceFunction(
            self,
            "AuthorizerFunction",
            config=config,
            layers=layers,
            folder="authorizer",
            description=f"{config.service_name} API authorizer (api-id / api-secret headers)",
            memory_mb=config.authorizer_memory_mb,
            timeout=Duration.seconds(config.authorizer_timeout_seconds),
            environment=environment(
                AuthorizerSettings,
                credentials_secret_arn=self.credentials_secret.secret_arn,
                id_header=API_ID_HEADER,
                secret_header=API_SECRET_HEADER,
                secret_cache_seconds=str(config.api_authorizer_cache_seconds),
            ),
        )
        self.credentials_secret.grant_read(self.authorizer_function.role)
        authorizer = apigw.RequestAuthorizer(
            self,
            "Authorizer",
            handler=self.authorizer_function.function,
            identity_sources=[
                apigw.IdentitySource.header(API_ID_HEADER),
                apigw.IdentitySource.header(API_SECRET_HEADER),
            ],
            results_cache_ttl=Duration.seconds(config.api_authorizer_cache_seconds),
        )
        return {"authorization_type": apigw.AuthorizationType.CUSTOM, "authorizer": authorizer}
