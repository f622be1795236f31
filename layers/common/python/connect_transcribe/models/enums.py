"""Domain enums and constants shared by the API, the Connect flow, redaction and delivery (settings read them,
never define them)."""

from __future__ import annotations

from enum import StrEnum

# The AutoTranscribe namespace every message and conversation carries.
NAMESPACE = "amazonconnect"


class RedactionOutput(StrEnum):
    REDACTED = "redacted"
    UNREDACTED = "unredacted"
    REDACTED_AND_UNREDACTED = "redacted_and_unredacted"


class ApiAuthMode(StrEnum):
    """How callers authenticate to the Start/Stop API."""

    IAM = "iam"  # API Gateway AWS_IAM (SigV4)
    API_SECRET = "api_secret"  # noqa: S105 - asapp-api-id / asapp-api-secret headers checked by a Lambda authorizer


class ContactIdSource(StrEnum):
    CONTACT_ID = "ContactId"
    INITIAL_CONTACT_ID = "InitialContactId"
    PREVIOUS_CONTACT_ID = "PreviousContactId"


class WebhookAuthMode(StrEnum):
    """How the webhook delivery Lambda authenticates to the customer's endpoint."""

    NONE = "none"
    HEADER = "header"  # secret token in a header
    QUERY = "query"  # secret token as a URL query parameter
    OAUTH2 = "oauth2"  # client credentials grant, bearer token
