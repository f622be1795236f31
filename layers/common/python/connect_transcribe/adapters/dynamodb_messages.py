"""Read side of the stored conversation messages (items written by dynamodb_gateway.put_message) for the API."""

from __future__ import annotations

from typing import Any

from connect_transcribe.adapters.aws_errors import translated
from connect_transcribe.adapters.dynamodb_gateway import MESSAGE_PREFIX
from connect_transcribe.adapters.dynamodb_store import conversation_key
from connect_transcribe.models.utterance import UtteranceMessage


class DynamoDbMessageReader:
    def __init__(self, table: Any) -> None:
        """`table` is a boto3 DynamoDB Table resource."""
        self._table = table

    def messages(self, guid: str) -> list[UtteranceMessage]:
        # The body holds every field the API returns; projecting it alone keeps the read small.
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
            "ExpressionAttributeValues": {":pk": f"CONV#{guid}", ":msg": MESSAGE_PREFIX},
            "ProjectionExpression": "#body",
            "ExpressionAttributeNames": {"#body": "body"},
            "ConsistentRead": True,  # asked right after a call ends: the last utterances must be there
        }
        out: list[UtteranceMessage] = []
        with translated("DynamoDB"):
            while True:
                page = self._table.query(**kwargs)
                out += [UtteranceMessage.model_validate_json(item["body"]) for item in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    return out
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def conversation_exists(self, guid: str) -> bool:
        with translated("DynamoDB"):
            reply = self._table.get_item(Key=conversation_key(guid), ProjectionExpression="pk", ConsistentRead=True)
        return "Item" in reply
