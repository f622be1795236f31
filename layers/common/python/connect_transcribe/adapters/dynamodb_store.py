"""Conversation store on one DynamoDB table (single-table design).

Items (pk = CONV#<guid>):
  sk = META              the conversation record (state, version, generation, settings, ...)
  sk = STREAM#<role>     per-participant counters (customer, agent), written when a worker's run ends
  sk = LEASE             the media gateway's lease (adapters/dynamodb_gateway.py); its `counters` are the running
                         run's, written with each lease renewal: the stop summary takes the newer of the two
Items (pk = CONV#<initial contact id>), one per later leg of a transferred call:
  sk = LEG#<guid>        the link the after-call API follows to every leg (written with the leg's conversation)
Transitions are conditional puts on the version and state that were read.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from connect_transcribe.adapters.aws_errors import error_code, translated
from connect_transcribe.errors import AlreadyExists, StaleWrite
from connect_transcribe.models.session import Conversation, SessionState, StreamRecord

META = "META"
LEASE = "LEASE"
COUNTERS_ATTRIBUTE = "counters"  # on the LEASE item: JSON list of StreamRecord
STREAM_PREFIX = "STREAM#"
LEG_PREFIX = "LEG#"
# A link carries no transcript; it outlives its leg's record by a day so that it still leads to the leg's last
# messages (kept `retention_days` from their own publication) for any leg shorter than a day.
LEG_GRACE_S = 86_400
TTL_ATTRIBUTE = "expiresAt"


def conversation_key(guid: str) -> dict[str, str]:
    return {"pk": f"CONV#{guid}", "sk": META}


def lease_key(guid: str) -> dict[str, str]:
    return {"pk": f"CONV#{guid}", "sk": LEASE}


def stream_key(guid: str, role: str) -> dict[str, str]:
    return {"pk": f"CONV#{guid}", "sk": f"{STREAM_PREFIX}{role}"}


def leg_key(initial_contact_id: str, guid: str) -> dict[str, str]:
    return {"pk": f"CONV#{initial_contact_id}", "sk": f"{LEG_PREFIX}{guid}"}


def leg_item(conv: Conversation, initial_contact_id: str) -> dict[str, Any]:
    return {
        **leg_key(initial_contact_id, conv.guid),
        "entity": "leg",
        "contactId": conv.guid,
        "createdAtMs": conv.created_at_ms,
        TTL_ATTRIBUTE: conv.expires_at + LEG_GRACE_S,
    }


def conversation_item(conv: Conversation) -> dict[str, Any]:
    data = conv.model_dump(mode="json", exclude_none=True, exclude={"expires_at"})
    return {**conversation_key(conv.guid), "entity": "conversation", TTL_ATTRIBUTE: conv.expires_at, **data}


def stream_item(stream: StreamRecord, expires_at: int) -> dict[str, Any]:
    data = stream.model_dump(mode="json")
    return {**stream_key(stream.guid, stream.role.value), "entity": "stream", TTL_ATTRIBUTE: expires_at, **data}


def conversation_from_item(item: dict[str, Any]) -> Conversation:
    return Conversation.model_validate({**item, "expires_at": item.get(TTL_ATTRIBUTE, 0)})


class DynamoDbConversationStore:
    def __init__(self, table: Any) -> None:
        """`table` is a boto3 DynamoDB Table resource."""
        self._table = table

    def get(self, guid: str) -> Conversation | None:
        with translated("DynamoDB"):
            item = self._table.get_item(Key=conversation_key(guid), ConsistentRead=True).get("Item")
        return conversation_from_item(item) if item else None

    def create(self, conversation: Conversation, streams: list[StreamRecord]) -> None:
        absent = {"ConditionExpression": "attribute_not_exists(pk)"}
        puts = [{"Put": {"TableName": self._table.name, "Item": conversation_item(conversation), **absent}}]
        puts += [
            {"Put": {"TableName": self._table.name, "Item": stream_item(s, conversation.expires_at), **absent}}
            for s in streams
        ]
        if conversation.initial_contact_id:  # a later leg of a transfer: link it under the first contact, atomically
            link = leg_item(conversation, conversation.initial_contact_id)
            puts.append({"Put": {"TableName": self._table.name, "Item": link}})
        with translated("DynamoDB"):
            try:
                self._table.meta.client.transact_write_items(TransactItems=puts)
            except ClientError as exc:
                if _condition_failed(exc):
                    raise AlreadyExists(conversation.guid) from exc
                raise

    def replace(self, conversation: Conversation, *, expected_version: int, expected_state: SessionState) -> None:
        with translated("DynamoDB"):
            try:
                self._table.put_item(
                    Item=conversation_item(conversation),
                    ConditionExpression="#version = :version AND #state = :state",
                    ExpressionAttributeNames={"#version": "version", "#state": "state"},
                    ExpressionAttributeValues={":version": expected_version, ":state": expected_state.value},
                )
            except ClientError as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    raise StaleWrite(conversation.guid) from exc
                raise

    def streams(self, guid: str) -> list[StreamRecord]:
        """Each participant's counters: the running worker's (on the lease, from its last renewal) where they are
        ahead of the stored ones (written when a run ends)."""
        with translated("DynamoDB"):
            items = self._table.query(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": f"CONV#{guid}", ":prefix": STREAM_PREFIX},
                ConsistentRead=True,
            )["Items"]
            lease = self._table.get_item(
                Key=lease_key(guid),
                ConsistentRead=True,
                ProjectionExpression="#c",
                ExpressionAttributeNames={"#c": COUNTERS_ATTRIBUTE},
            ).get("Item")
        stored = {s.role: s for s in (StreamRecord.model_validate(item) for item in items)}
        for running in counters_from_json((lease or {}).get(COUNTERS_ATTRIBUTE)):
            known = stored.get(running.role)
            if known is None or _progress(running) > _progress(known):
                stored[running.role] = running
        return list(stored.values())


def counters_json(streams: list[StreamRecord]) -> str:
    return json.dumps([s.model_dump(mode="json") for s in streams], separators=(",", ":"))


def counters_from_json(raw: object) -> list[StreamRecord]:
    if not isinstance(raw, str) or not raw:
        return []
    return [StreamRecord.model_validate(item) for item in json.loads(raw)]


def _progress(stream: StreamRecord) -> tuple[int, int, int]:
    return stream.audio_duration_ms, stream.total_audio_bytes, stream.transcripts


def _condition_failed(exc: ClientError) -> bool:
    if error_code(exc) != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or "ConditionalCheckFailed" in str(exc)
