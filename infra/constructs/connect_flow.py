"""The Lambdas an Amazon Connect contact flow invokes to start and stop transcription of a call, and (with a
Connect instance configured) the two flow modules that call them around Start/Stop media streaming."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_connect as connect
from aws_cdk import aws_iam as iam
from connect_transcribe.models.enums import ApiAuthMode
from connect_transcribe.settings import ConnectFlowSettings, environment
from constructs import Construct

from infra.config import (
    API_ID_HEADER,
    API_SECRET_HEADER,
    START_STREAMING_PATH,
    STOP_STREAMING_PATH,
    DeploymentConfig,
)
from infra.connect_flow_module import start_module, stop_module
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
        secret = api.credentials_secret
        flow_environment = environment(
            ConnectFlowSettings,
            api_base_url=api.base_url,
            api_auth_mode=config.api_auth.value,
            contact_id_source=config.contact_id_source.value,
            agent_id_key=config.agent_id_key,
            customer_id_key=config.customer_id_key,
            language=config.transcribe_language,
            redaction_output=config.redaction_output.value,
            detailed_token="true" if config.detailed_token else "false",
            request_timeout_seconds=str(config.request_timeout_seconds),
            # Only in the api_secret mode (None leaves them out).
            api_credentials_secret_arn=secret.secret_arn if secret is not None else None,
            api_id_header=API_ID_HEADER if secret is not None else None,
            api_secret_header=API_SECRET_HEADER if secret is not None else None,
        )

        self._config, self._layers, self._api, self._environment = config, layers, api, flow_environment
        self._associations: list[connect.CfnIntegrationAssociation] = []
        self.start = self._flow_function("ConnectStart", folder="connect_start", api_path=START_STREAMING_PATH)
        self.stop = self._flow_function("ConnectStop", folder="connect_stop", api_path=STOP_STREAMING_PATH)
        self.start_module: connect.CfnContactFlowModule | None = None
        self.stop_module: connect.CfnContactFlowModule | None = None
        if config.connect_instance_arn:
            self.start_module = self._flow_module(
                "StartTranscriptionModule",
                instance_arn=config.connect_instance_arn,
                name=f"{config.service_name} start transcription",
                description="Start media streaming (from and to the customer), then invoke connect_start",
                content=start_module(self.start.function.function_arn),
            )
            self.stop_module = self._flow_module(
                "StopTranscriptionModule",
                instance_arn=config.connect_instance_arn,
                name=f"{config.service_name} stop transcription",
                description="Invoke connect_stop, then stop media streaming",
                content=stop_module(self.stop.function.function_arn),
            )

    def _flow_module(
        self, construct_id: str, *, instance_arn: str, name: str, description: str, content: dict[str, Any]
    ) -> connect.CfnContactFlowModule:
        module = connect.CfnContactFlowModule(
            self,
            construct_id,
            instance_arn=instance_arn,
            name=name,
            description=description,
            # The ARNs are tokens: to_json_string renders them as Fn::Join parts, not as "${Token[...]}".
            content=Stack.of(self).to_json_string(content),
            state="ACTIVE",
        )
        # Created after the associations: the flow designer only offers associated Lambdas, and the order costs nothing.
        for association in self._associations:
            module.add_dependency(association)
        return module

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
        if config.api_auth is ApiAuthMode.IAM:
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
            association = connect.CfnIntegrationAssociation(
                self,
                f"{construct_id}Integration",
                instance_id=config.connect_instance_arn,
                integration_type="LAMBDA_FUNCTION",
                integration_arn=fn.function.function_arn,
            )
            self._associations.append(association)
        return fn
