"""SSRF guard through the real handler and transport: private, loopback and metadata targets and plain HTTP
are refused (dead-lettered, nothing sent) unless configuration allows them."""

from __future__ import annotations

import pytest

from tests.delivery_factories import sqs_event, sqs_record, utterance
from tests.integration.delivery.conftest import failed_ids
from tests.integration.delivery.servers import Receiver, TokenEndpoint


def last_error(delivery_aws) -> str:
    [letter] = delivery_aws.dead_letters()
    return letter["MessageAttributes"]["lastError"]["StringValue"]


def test_loopback_is_refused_unless_private_targets_are_allowed(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls()) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, WEBHOOK_ALLOW_PRIVATE_TARGETS="false")
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    assert receiver.requests == []
    assert last_error(delivery_aws).startswith("refused target: 127.0.0.1 is not a public address")


def test_a_name_resolving_to_loopback_is_refused_when_connecting(configure, server_tls, pki, delivery_aws) -> None:
    # "localhost" passes the URL check (a name); the address the connection reached does not
    with Receiver(server_tls()) as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        deliver = configure(
            f"https://localhost:{port}/hook", {"caBundlePem": pki.ca_pem}, WEBHOOK_ALLOW_PRIVATE_TARGETS="false"
        )
        deliver(sqs_event(sqs_record(utterance(1))))

    assert receiver.requests == []
    assert last_error(delivery_aws).startswith("refused target: 127.0.0.1 is not a public address")


@pytest.mark.parametrize(
    ("url", "allow_private", "expected"),
    [
        ("https://169.254.169.254/latest/meta-data/", "true", "169.254.169.254 is an instance metadata address"),
        ("https://[fd00:ec2::254]/latest/", "true", "fd00:ec2::254 is an instance metadata address"),
        ("https://10.1.2.3/hook", "false", "10.1.2.3 is not a public address"),
        ("https://192.168.0.10/hook", "false", "192.168.0.10 is not a public address"),
        ("https://[::1]:8443/hook", "false", "::1 is not a public address"),
    ],
)
def test_private_and_metadata_addresses_are_refused(url, allow_private, expected, configure, delivery_aws) -> None:
    deliver = configure(url, WEBHOOK_ALLOW_PRIVATE_TARGETS=allow_private)

    response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    assert last_error(delivery_aws).startswith(f"refused target: {expected}")


def test_plain_http_is_refused_without_the_local_development_flag(configure, delivery_aws) -> None:
    with Receiver(None) as receiver:
        deliver = configure(receiver.url)
        deliver(sqs_event(sqs_record(utterance(1))))

    assert receiver.requests == []
    assert (
        last_error(delivery_aws)
        == "refused target: http:// target refused: HTTPS is required unless WEBHOOK_ALLOW_HTTP=true"
    )


def test_plain_http_is_delivered_with_the_local_development_flag(configure, delivery_aws) -> None:
    with Receiver(None) as receiver:
        deliver = configure(receiver.url, WEBHOOK_ALLOW_HTTP="true")
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    assert len(receiver.accepted) == 1


def test_the_token_endpoint_is_guarded_too(configure, server_tls, pki, delivery_aws) -> None:
    with TokenEndpoint(server_tls(), client_id="c", client_secret="s") as tokens, Receiver(server_tls()) as receiver:
        public_receiver = "https://webhook.example.com/hook"  # never reached: the token comes first
        deliver = configure(
            public_receiver,
            {"clientId": "c", "clientSecret": "s", "caBundlePem": pki.ca_pem},
            WEBHOOK_AUTH="oauth2",
            OAUTH_TOKEN_URL=tokens.token_url,
            WEBHOOK_ALLOW_PRIVATE_TARGETS="false",
        )
        deliver(sqs_event(sqs_record(utterance(1))))

    assert tokens.requests == [] and receiver.requests == []
    assert last_error(delivery_aws).startswith("token endpoint refused: 127.0.0.1 is not a public address")
