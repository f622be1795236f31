"""Media-gateway state on the conversation table: the lease/checkpoint item, stream counters, and messages.

Items (pk = CONV#<guid>):
  sk = LEASE                    owner, leaseExpiresAt (epoch ms), leaseVersion, counters (JSON: the running run's
                                stop-summary counters) — conditional on the owner; renewed every heartbeat, small
  sk = CHECKPOINT               checkpoint (JSON, a few KB: each participant's exact VAD state), leaseVersion of the
                                owner that wrote it — written less often than the lease is renewed, since DynamoDB
                                bills a write by the whole item's size; conditional on no newer owner having written
  sk = STREAM#<role>            counters for the stop summary when a run ends (see dynamodb_store)
  sk = MSG#<role>#<sequence>    one published utterance; put only if absent (idempotent on the utterance id);
                                exportSlot + createdAt place it in the File Exporter's byExportSlot index
It also reads the conversations (sk = META) of every session a worker runs in one BatchGetItem: the stop check.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from connect_transcribe.adapters.aws_errors import error_code
from connect_transcribe.adapters.dynamodb_export import index_attributes
from connect_transcribe.adapters.dynamodb_store import (
    COUNTERS_ATTRIBUTE,
    TTL_ATTRIBUTE,
    conversation_from_item,
    conversation_key,
    counters_json,
    lease_key,
    stream_key,
)
from connect_transcribe.models.gateway import Checkpoint, Lease
from connect_transcribe.models.session import Conversation, StreamRecord
from connect_transcribe.models.utterance import UtteranceMessage
from connect_transcribe.observability import logger

MESSAGE_PREFIX = "MSG#"
CHECKPOINT = "CHECKPOINT"
LEGACY_CHECKPOINT = "checkpoint"  # on the lease item before the checkpoint had an item of its own: read, never written
_NAMES = {"#owner": "owner", "#expires": "leaseExpiresAt", "#v": "leaseVersion"}
BATCH_GET_MAX = 100  # keys per BatchGetItem (DynamoDB's limit)
_UNPROCESSED_RETRIES = 3  # within one supervisor pass; what is still unread is read again at the next pass
_CONFLICT_RETRIES = 3  # a release that collides with another worker's acquire attempt


def checkpoint_key(guid: str) -> dict[str, str]:
    return {"pk": f"CONV#{guid}", "sk": CHECKPOINT}


def message_key(guid: str, role: str, sequence: int) -> dict[str, str]:
    return {"pk": f"CONV#{guid}", "sk": f"{MESSAGE_PREFIX}{role}#{sequence:08d}"}


def _condition_failed(exc: ClientError) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


class DynamoDbGatewayStore:
    def __init__(self, table: Any, *, retention_days: int = 7) -> None:
        """`table` is a boto3 DynamoDB Table resource."""
        self._table = table
        self._retention_s = retention_days * 86_400

    # -- lease -----------------------------------------------------------------------------------

    def acquire(self, guid: str, owner: str, *, now_ms: int, lease_ms: int) -> Lease | None:
        try:
            item = self._table.update_item(
                Key=lease_key(guid),
                UpdateExpression="SET #owner = :me, #expires = :exp, #ttl = :ttl ADD #v :one",
                ConditionExpression="attribute_not_exists(#owner) OR #owner = :me OR #expires < :now",
                ExpressionAttributeNames={**_NAMES, "#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":me": owner,
                    ":exp": now_ms + lease_ms,
                    ":now": now_ms,
                    ":one": 1,
                    ":ttl": self._ttl(now_ms),
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if _condition_failed(exc):
                return None
            raise
        return Lease(
            guid=guid,
            owner=owner,
            expires_at_ms=int(item["leaseExpiresAt"]),
            version=int(item.get("leaseVersion", 0)),
            checkpoint=self._checkpoint(guid, item),
        )

    def renew(
        self,
        guid: str,
        owner: str,
        *,
        now_ms: int,
        lease_ms: int,
        checkpoint: Checkpoint | None,
        counters: list[StreamRecord] | None = None,
        version: int = 0,
    ) -> bool:
        """The lease first (conditional on the owner), then the checkpoint item if one is given (conditional on
        no newer owner's version): a worker that lost its lease writes no checkpoint."""
        values: dict[str, Any] = {":me": owner, ":exp": now_ms + lease_ms, ":ttl": self._ttl(now_ms)}
        names = {"#owner": "owner", "#expires": "leaseExpiresAt", "#ttl": TTL_ATTRIBUTE}
        update = "SET #expires = :exp, #ttl = :ttl"
        if counters:  # in the same write: the stop summary's counters cost no request of their own
            update += ", #counters = :counters"
            values[":counters"] = counters_json(counters)
            names["#counters"] = COUNTERS_ATTRIBUTE
        try:
            self._table.update_item(
                Key=lease_key(guid),
                UpdateExpression=update,
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        if checkpoint is None:
            return True
        try:
            self._table.put_item(
                Item=self._checkpoint_item(guid, checkpoint, version, now_ms),
                ConditionExpression="attribute_not_exists(pk) OR leaseVersion <= :v",
                ExpressionAttributeValues={":v": version},
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False  # a newer owner has written its own: ours is no longer the session's
            raise
        return True

    def release(self, guid: str, owner: str, *, checkpoint: Checkpoint | None, version: int = 0) -> None:
        """Free the lease, with the checkpoint in the same transaction, so that whoever takes the lease next reads
        this checkpoint (a final one says the generation is done) and nobody else's release writes one."""
        release = {
            "TableName": self._table.name,
            "Key": lease_key(guid),
            "UpdateExpression": "SET #expires = :zero REMOVE #owner",
            "ConditionExpression": "#owner = :me",
            "ExpressionAttributeNames": {"#owner": "owner", "#expires": "leaseExpiresAt"},
            "ExpressionAttributeValues": {":me": owner, ":zero": 0},
        }
        items: list[dict[str, Any]] = [{"Update": release}]
        if checkpoint is not None:
            item = self._checkpoint_item(guid, checkpoint, version, int(time.time() * 1000))
            items.append({"Put": {"TableName": self._table.name, "Item": item}})
        client = self._table.meta.client  # the resource's client: plain Python values
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                reasons = {r.get("Code") for r in exc.response.get("CancellationReasons") or []}
                if "ConditionalCheckFailed" in reasons:
                    return  # someone else owns it now: nothing of ours to release
                if "TransactionConflict" not in reasons or attempt == _CONFLICT_RETRIES:
                    raise
                time.sleep(0.05 * 2**attempt)  # another worker's acquire at the same moment: try again

    def lease(self, guid: str) -> Lease | None:
        item = self._table.get_item(Key=lease_key(guid), ConsistentRead=True).get("Item")
        if not item:
            return None
        return Lease(
            guid=guid,
            owner=item.get("owner"),
            expires_at_ms=int(item.get("leaseExpiresAt", 0)),
            version=int(item.get("leaseVersion", 0)),
            checkpoint=self._checkpoint(guid, item),
        )

    def _checkpoint(self, guid: str, lease_item: dict[str, Any]) -> Checkpoint | None:
        stored = self._table.get_item(Key=checkpoint_key(guid), ConsistentRead=True).get("Item") or {}
        raw = stored.get("checkpoint") or lease_item.get(LEGACY_CHECKPOINT)
        return Checkpoint.model_validate_json(raw) if raw else None

    def _checkpoint_item(self, guid: str, checkpoint: Checkpoint, version: int, now_ms: int) -> dict[str, Any]:
        return {
            **checkpoint_key(guid),
            "entity": "checkpoint",
            "checkpoint": checkpoint.model_dump_json(),
            "leaseVersion": version,
            TTL_ATTRIBUTE: self._ttl(now_ms),
        }

    # -- the stop check ---------------------------------------------------------------------------

    def get_many(self, guids: list[str]) -> dict[str, Conversation]:
        """One strongly consistent BatchGetItem per 100 sessions instead of one GetItem each. DynamoDB bills each
        item of a batch as its own read (1 RRU up to 4 KB), so this cuts requests and the supervisor's time per
        pass, not the read units."""
        client, name = self._table.meta.client, self._table.name  # the resource's client: plain Python values
        out: dict[str, Conversation] = {}
        unique = list(dict.fromkeys(guids))
        for start in range(0, len(unique), BATCH_GET_MAX):
            keys = [conversation_key(g) for g in unique[start : start + BATCH_GET_MAX]]
            request: dict[str, Any] = {name: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(_UNPROCESSED_RETRIES + 1):
                page = client.batch_get_item(RequestItems=request)
                for item in page.get("Responses", {}).get(name, []):
                    conversation = conversation_from_item(item)
                    out[conversation.guid] = conversation
                request = page.get("UnprocessedKeys") or {}
                if not request:
                    break
                if attempt < _UNPROCESSED_RETRIES:
                    time.sleep(0.02 * 2**attempt)  # throttled: back off briefly, the pass runs every 0.5 s
            if request:
                logger.warning("conversations left unread this pass", extra={"unread": len(request[name]["Keys"])})
        return out

    # -- counters and messages -------------------------------------------------------------------

    def save_streams(self, streams: list[StreamRecord]) -> None:
        for s in streams:
            self._table.update_item(
                Key=stream_key(s.guid, s.role.value),
                UpdateExpression="SET total_audio_bytes = :b, audio_duration_ms = :d, transcripts = :t",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":b": s.total_audio_bytes, ":d": s.audio_duration_ms, ":t": s.transcripts},
            )

    def put_message(self, message: UtteranceMessage) -> None:
        created = datetime.fromtimestamp(message.published_at_ms / 1000, UTC)
        item = {
            **message_key(message.guid, message.role.value, message.sequence),
            "entity": "message",
            "utteranceId": message.utterance_id,
            "streamId": message.stream_id,
            "role": message.role.value,
            "sequence": message.sequence,
            "startMs": message.start_ms,
            "endMs": message.end_ms,
            "createdDay": created.strftime("%Y-%m-%d"),
            **index_attributes(message.published_at_ms, message.utterance_id),
            "body": message.model_dump_json(),
            TTL_ATTRIBUTE: message.published_at_ms // 1000 + self._retention_s,
        }
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if not _condition_failed(exc):
                raise  # already stored (a replay after takeover): idempotent

    def messages(self, guid: str) -> list[UtteranceMessage]:
        """Every stored message of a conversation, in (role, sequence) order."""
        out: list[UtteranceMessage] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
            "ExpressionAttributeValues": {":pk": f"CONV#{guid}", ":msg": MESSAGE_PREFIX},
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**kwargs)
            out += [UtteranceMessage.model_validate_json(i["body"]) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _ttl(self, now_ms: int) -> int:
        return now_ms // 1000 + self._retention_s
