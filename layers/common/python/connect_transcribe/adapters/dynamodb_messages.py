"""Read side of the stored conversation messages (items written by dynamodb_gateway.put_message) for the API."""

from __future__ import annotations

from typing import Any

from connect_transcribe.adapters.aws_errors import translated
from connect_transcribe.adapters.dynamodb_gateway import MESSAGE_PREFIX
from connect_transcribe.adapters.dynamodb_store import LEG_PREFIX, TTL_ATTRIBUTE, conversation_key
from connect_transcribe.clock import Clock
from connect_transcribe.models.utterance import UtteranceMessage

# DynamoDB's TTL deletes an expired item within days, not at its expiry: until then it is still read. An item
# past its `expiresAt` is past its retention and is never returned (an item without one is kept).
_UNEXPIRED = "attribute_not_exists(#ttl) OR #ttl > :now"


class DynamoDbMessageReader:
    def __init__(self, table: Any, clock: Clock) -> None:
        """`table` is a boto3 DynamoDB Table resource; `clock` says when retention ends."""
        self._table = table
        self._clock = clock

    def messages(self, guid: str) -> list[UtteranceMessage]:
        # The body holds every field the API returns; projecting it alone keeps the read small.
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
            "FilterExpression": _UNEXPIRED,
            "ExpressionAttributeValues": {":pk": f"CONV#{guid}", ":msg": MESSAGE_PREFIX, ":now": self._now_s()},
            "ProjectionExpression": "#body",
            "ExpressionAttributeNames": {"#body": "body", "#ttl": TTL_ATTRIBUTE},
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

    def legs(self, initial_contact_id: str) -> list[str]:
        """The contact ids of the later legs linked under this first contact (LEG# items; none for most calls).

        Links are not filtered by `expiresAt`: they hold no transcript, and each leg's messages are."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :leg)",
            "ExpressionAttributeValues": {":pk": f"CONV#{initial_contact_id}", ":leg": LEG_PREFIX},
            "ProjectionExpression": "contactId",
            "ConsistentRead": True,  # a leg started a moment ago is part of the call
        }
        out: list[str] = []
        with translated("DynamoDB"):
            while True:
                page = self._table.query(**kwargs)
                out += [str(item["contactId"]) for item in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    return out
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def conversation_exists(self, guid: str) -> bool:
        with translated("DynamoDB"):
            reply = self._table.get_item(
                Key=conversation_key(guid),
                ProjectionExpression="pk, #ttl",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ConsistentRead=True,
            )
        item = reply.get("Item")
        return item is not None and (TTL_ATTRIBUTE not in item or int(item[TTL_ATTRIBUTE]) > self._now_s())

    def _now_s(self) -> int:
        return self._clock.now_ms() // 1000
