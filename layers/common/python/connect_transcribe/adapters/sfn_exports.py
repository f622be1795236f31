"""On-demand exports as executions of the export state machine (execution name = export id)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from connect_transcribe.adapters.aws_errors import error_code, translated
from connect_transcribe.errors import ConflictingRequest
from connect_transcribe.models.feed_api import ExportExecution


def execution_arn(state_machine_arn: str, name: str) -> str:
    """arn:aws:states:<region>:<account>:stateMachine:<sm> -> arn:aws:states:<region>:<account>:execution:<sm>:<name>"""
    parts = state_machine_arn.split(":")
    parts[5] = "execution"
    return ":".join([*parts, name])


class SfnExportStarter:
    def __init__(self, sfn: Any, state_machine_arn: str) -> None:
        """`sfn` is a boto3 Step Functions client."""
        self._sfn = sfn
        self._arn = state_machine_arn

    def start(self, run_id: str, run_input: dict[str, Any]) -> None:
        with translated("Step Functions"):
            try:
                self._sfn.start_execution(stateMachineArn=self._arn, name=run_id, input=json.dumps(run_input))
            except ClientError as exc:
                if error_code(exc) == "ExecutionAlreadyExists":
                    raise ConflictingRequest(f"exportId: an export named {run_id!r} already exists; retry") from exc
                raise

    def describe(self, run_id: str) -> ExportExecution | None:
        with translated("Step Functions"):
            try:
                reply = self._sfn.describe_execution(executionArn=execution_arn(self._arn, run_id))
            except ClientError as exc:
                if error_code(exc) == "ExecutionDoesNotExist":
                    return None
                raise
        return ExportExecution(
            status=reply["status"],
            started_at=reply["startDate"],
            stopped_at=reply.get("stopDate"),
            output=reply.get("output"),
            error=reply.get("error"),
        )
