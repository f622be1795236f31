"""The Lambdas an Amazon Connect contact flow invokes to start and stop transcription of a call."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_connect as connect
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import (
    API_ID_HEADER,
    API_SECRET_HEADER,
    START_STREAMING_PATH,
    STOP_STREAMING_PATH,
    ApiAuth,
    DeploymentConfig,
)
from infra.constructs.control_api import ControlApi
from infra.constructs.layers import Layers
from infra.constructs.service_function import ServiceFunction

# Amazon Connect waits at most 8 s for a flow Lambda.
CONNECT_LAMBDA_TIMEOUT = Duration.seconds(8)


class ConnectFlowFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        layers: Layers,
        api: ControlApi,
    ) -> None:
        super().__init__(scope, construct_id)
        environment = {
            "API_BASE_URL": api.base_url,
            "API_AUTH_MODE": config.api_auth.value,
            "CONTACT_ID_SOURCE": config.contact_id_source,
            "AGENT_ID_KEY": config.agent_id_key,
            "CUSTOMER_ID_KEY": config.customer_id_key,
            "TRANSCRIBE_LANGUAGE": config.transcribe_language,
            "REDACTION_OUTPUT": config.redaction_output,
            "DETAILED_TOKEN": "true" if config.detailed_token else "false",
            "REQUEST_TIMEOUT_SECONDS": str(config.request_timeout_seconds),
        }
        if api.credentials_secret is not None:
            environment |= {
                "API_CREDENTIALS_SECRET_ARN": api.credentials_secret.secret_arn,
                "API_ID_HEADER": API_ID_HEADER,
                "API_SECRET_HEADER": API_SECRET_HEADER,
            }

        self._config, self._layers, self._api, self._environment = config, layers, api, environment
        self.start = self._flow_function("ConnectStart", folder="connect_start", api_path=START_STREAMING_PATH)
        self.stop = self._flow_function("ConnectStop", folder="connect_stop", api_path=STOP_STREAMING_PATH)

    def _flow_function(self, construct_id: str, *, folder: str, api_path: str) -> ServiceFunction:
        config, layers, api = self._config, self._layers, self._api
        fn = ServiceFunction(
            self,
            construct_id,
            config=config,
            layers=layers,
            folder=folder,
            description=f"Amazon Connect flow: calls POST {api_path} for the contact",
            memory_mb=config.connect_memory_mb,
            timeout=CONNECT_LAMBDA_TIMEOUT,
            environment=self._environment,
        )
        if config.api_auth is ApiAuth.IAM:
            fn.role.add_to_principal_policy(
                iam.PolicyStatement(actions=["execute-api:Invoke"], resources=[api.method_arn(api_path)])
            )
        if api.credentials_secret is not None:
            api.credentials_secret.grant_read(fn.role)

        fn.function.add_permission(
            "AmazonConnectInvoke",
            principal=iam.ServicePrincipal("connect.amazonaws.com"),
            source_account=Stack.of(self).account,
            source_arn=config.connect_instance_arn,
        )
        if config.connect_instance_arn:
            # Makes the function selectable in the flow designer's "Invoke AWS Lambda function" block.
            connect.CfnIntegrationAssociation(
                self,
                f"{construct_id}Integration",
                instance_id=config.connect_instance_arn,
                integration_type="LAMBDA_FUNCTION",
                integration_arn=fn.function.function_arn,
            )
        return fn
