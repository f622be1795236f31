"""Each webhook auth mode against a real HTTPS receiver on loopback that checks the credential: delivery
succeeds with the right one and fails closed (nothing accepted) with a wrong or missing one."""

from __future__ import annotations

import ssl
import time
import warnings

import pytest

from bench.delivery.tls import server_context
from tests.delivery_factories import sqs_event, sqs_record, utterance
from tests.integration.delivery.conftest import failed_ids
from tests.integration.delivery.servers import Receiver, Reply, TokenEndpoint

TOKEN = "webhook-token-8f3a9c2e51"


def header_is(name: str, value: str):
    return lambda request: request.headers.get(name.lower()) == value


def query_is(name: str, value: str):
    return lambda request: request.query.get(name) == [value]


def last_error(delivery_aws) -> str:
    [letter] = delivery_aws.dead_letters()
    return letter["MessageAttributes"]["lastError"]["StringValue"]


# ---------------------------------------------------------------- token in a header / query parameter


@pytest.mark.parametrize(
    ("mode", "env", "check"),
    [
        ("header", {"WEBHOOK_HEADER_NAME": "X-Api-Key"}, header_is("X-Api-Key", TOKEN)),
        ("query", {"WEBHOOK_QUERY_PARAM": "apikey"}, query_is("apikey", TOKEN)),
    ],
)
def test_token_modes_deliver_with_the_right_token(mode, env, check, configure, server_tls, pki) -> None:
    with Receiver(server_tls(), authorized=check) as receiver:
        deliver = configure(
            f"{receiver.url}/hook?tenant=acme", {"token": TOKEN, "caBundlePem": pki.ca_pem}, WEBHOOK_AUTH=mode, **env
        )
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    [request] = receiver.accepted
    assert request.query.get("tenant") == ["acme"]  # the configured URL's own query survives


@pytest.mark.parametrize(
    ("mode", "check"),
    [("header", header_is("X-Webhook-Token", TOKEN)), ("query", query_is("token", TOKEN))],
)
def test_token_modes_fail_closed_with_a_wrong_token(mode, check, configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls(), authorized=check) as receiver:
        deliver = configure(receiver.url, {"token": "not-the-token", "caBundlePem": pki.ca_pem}, WEBHOOK_AUTH=mode)
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []  # handled: dead-lettered, a 401 will not heal by itself
    assert receiver.accepted == [] and len(receiver.rejected) == 1
    assert last_error(delivery_aws) == "HTTP 401 from the webhook"


def test_a_secret_without_the_token_sends_nothing(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls()) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, WEBHOOK_AUTH="header")
        deliver(sqs_event(sqs_record(utterance(1))))

    assert receiver.requests == []
    assert last_error(delivery_aws) == "configuration: the webhook secret lacks token (WEBHOOK_AUTH=header)"


def test_the_query_token_never_reaches_the_dead_letter(configure, pki, delivery_aws, tmp_path) -> None:
    # A receiver whose certificate does not verify: the TLS error must not carry the URL (and its token)
    rogue = server_context(pki.rogue_server, tmp_path / "rogue")
    with Receiver(rogue) as receiver:
        deliver = configure(receiver.url, {"token": TOKEN, "caBundlePem": pki.ca_pem}, WEBHOOK_AUTH="query")
        deliver(sqs_event(sqs_record(utterance(1))))

    error = last_error(delivery_aws)
    assert error.startswith("TLS: server certificate rejected")
    assert TOKEN not in error


# ---------------------------------------------------------------- OAuth2 client credentials


@pytest.fixture
def oauth(server_tls, pki, configure):
    """A token endpoint and a receiver accepting only the bearer tokens the endpoint issued and not revoked."""
    revoked: set[str] = set()
    with TokenEndpoint(server_tls(), client_id="delivery-client", client_secret="client-secret-123") as tokens:

        def authorized(request) -> bool:
            value = request.headers.get("authorization", "")
            token = value.removeprefix("Bearer ")
            return value.startswith("Bearer ") and token in tokens.issued and token not in revoked

        with Receiver(server_tls(), authorized=authorized) as receiver:

            def setup(client_secret: str = "client-secret-123", **env):
                return configure(
                    receiver.url,
                    {"clientId": "delivery-client", "clientSecret": client_secret, "caBundlePem": pki.ca_pem},
                    WEBHOOK_AUTH="oauth2",
                    OAUTH_TOKEN_URL=tokens.token_url,
                    OAUTH_SCOPE="transcripts:write",
                    OAUTH_AUDIENCE="https://api.example.com/transcripts",
                    **env,
                )

            yield setup, tokens, receiver, revoked


def test_oauth2_token_is_fetched_once_and_reused_across_invocations(oauth) -> None:
    setup, tokens, receiver, _ = oauth
    deliver = setup()

    deliver(sqs_event(sqs_record(utterance(1)), sqs_record(utterance(2))))
    deliver(sqs_event(sqs_record(utterance(3))))

    assert len(receiver.accepted) == 3
    assert tokens.issued == ["token-1"]
    assert {r.headers["authorization"] for r in receiver.accepted} == {"Bearer token-1"}
    assert tokens.forms[0] == {
        "grant_type": ["client_credentials"],
        "scope": ["transcripts:write"],
        "audience": ["https://api.example.com/transcripts"],
    }


def test_oauth2_token_is_renewed_before_it_expires(oauth) -> None:
    setup, tokens, receiver, _ = oauth
    tokens.expires_in = 1
    deliver = setup()

    deliver(sqs_event(sqs_record(utterance(1))))
    time.sleep(1.0)
    deliver(sqs_event(sqs_record(utterance(2))))

    assert tokens.issued == ["token-1", "token-2"]
    assert [r.headers["authorization"] for r in receiver.accepted] == ["Bearer token-1", "Bearer token-2"]
    assert receiver.rejected == []  # renewed before the receiver could refuse it


def test_oauth2_refreshes_once_on_401(oauth, delivery_aws) -> None:
    setup, tokens, receiver, revoked = oauth
    deliver = setup()
    deliver(sqs_event(sqs_record(utterance(1))))

    revoked.add("token-1")  # the receiver stops accepting the cached token
    response = deliver(sqs_event(sqs_record(utterance(2))))

    assert failed_ids(response) == []
    assert tokens.issued == ["token-1", "token-2"]
    assert len(receiver.rejected) == 1
    assert receiver.accepted[-1].headers["authorization"] == "Bearer token-2"
    assert delivery_aws.dead_letters() == []


def test_oauth2_a_401_with_a_fresh_token_is_not_retried_again(oauth, delivery_aws) -> None:
    setup, tokens, receiver, _ = oauth
    deliver = setup()
    receiver.override = lambda request: Reply(401)  # the receiver refuses every token

    deliver(sqs_event(sqs_record(utterance(1))))

    assert len(tokens.issued) == 2  # the first and one refresh, no more
    assert len(receiver.requests) == 2
    assert last_error(delivery_aws) == "HTTP 401 from the webhook"


def test_oauth2_with_a_wrong_client_secret_never_calls_the_webhook(oauth, delivery_aws) -> None:
    setup, tokens, receiver, _ = oauth
    deliver = setup(client_secret="wrong-secret")

    response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    assert tokens.issued == [] and receiver.requests == []
    assert last_error(delivery_aws) == "token endpoint answered HTTP 401"


# ---------------------------------------------------------------- mTLS and custom CA


# With TLS 1.3 the client finishes its side of the handshake before the server checks the client certificate:
# the refusal arrives as an alert, or (a race) as the connection being torn down. Either way nothing is sent.
PEER_CLOSED = {"connection failed: connection reset", "connection failed: connection closed by the peer"}


def mtls_secret(pki, client) -> dict[str, str]:
    return {
        "caBundlePem": pki.ca_pem,
        "certificatePem": client.certificate_pem,
        "privateKeyPem": client.private_key_pem,
    }


def test_mtls_delivers_with_the_client_certificate(configure, server_tls, pki) -> None:
    with Receiver(server_tls(mtls=True)) as receiver:
        deliver = configure(receiver.url, mtls_secret(pki, pki.client), WEBHOOK_MTLS="true")
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    [request] = receiver.accepted
    assert request.client_certificate is not None
    assert dict(x[0] for x in request.client_certificate["subject"])["commonName"] == "connect-transcribe-delivery"


def test_mtls_without_a_client_certificate_fails_closed(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls(mtls=True)) as receiver:
        # mTLS not enabled on our side: the server asks for a certificate and gets none
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, DELIVERY_MAX_RECEIVES="1")
        response = deliver(sqs_event(sqs_record(utterance(1))))

    assert failed_ids(response) == []
    assert receiver.requests == [] and receiver.handshake_failures >= 1
    assert last_error(delivery_aws) in {"TLS: TLSV13_ALERT_CERTIFICATE_REQUIRED", *PEER_CLOSED}


def test_mtls_with_a_certificate_from_another_ca_fails_closed(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls(mtls=True)) as receiver:
        deliver = configure(
            receiver.url, mtls_secret(pki, pki.rogue_client), WEBHOOK_MTLS="true", DELIVERY_MAX_RECEIVES="1"
        )
        deliver(sqs_event(sqs_record(utterance(1))))

    assert receiver.requests == [] and receiver.handshake_failures >= 1
    assert last_error(delivery_aws) in {"TLS: TLSV1_ALERT_UNKNOWN_CA", *PEER_CLOSED}


def test_mtls_enabled_but_missing_from_the_secret_is_a_configuration_error(
    configure, server_tls, pki, delivery_aws
) -> None:
    with Receiver(server_tls(mtls=True)) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem}, WEBHOOK_MTLS="true")
        deliver(sqs_event(sqs_record(utterance(1))))

    assert receiver.requests == []
    assert "lacks certificatePem/privateKeyPem" in last_error(delivery_aws)


def test_a_server_outside_the_configured_ca_is_refused(configure, server_tls, pki, delivery_aws) -> None:
    with Receiver(server_tls(rogue=True)) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})
        deliver(sqs_event(sqs_record(utterance(1))))

    assert receiver.requests == []
    assert last_error(delivery_aws).startswith("TLS: server certificate rejected")


def test_without_a_custom_ca_a_private_ca_is_not_trusted(configure, server_tls, delivery_aws) -> None:
    with Receiver(server_tls()) as receiver:
        deliver = configure(receiver.url)  # public roots only
        deliver(sqs_event(sqs_record(utterance(1))))

    assert receiver.requests == []
    assert last_error(delivery_aws).startswith("TLS: server certificate rejected")


def test_tls_1_2_servers_are_accepted_and_older_ones_refused(configure, pki, tmp_path, delivery_aws) -> None:
    tls12 = server_context(pki.server, tmp_path / "tls12")
    tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    with Receiver(tls12) as receiver:
        deliver = configure(receiver.url, {"caBundlePem": pki.ca_pem})
        assert failed_ids(deliver(sqs_event(sqs_record(utterance(1))))) == []
        assert len(receiver.accepted) == 1

    tls11 = server_context(pki.server, tmp_path / "tls11")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # exactly what is under test
        tls11.minimum_version = ssl.TLSVersion.TLSv1
        tls11.maximum_version = ssl.TLSVersion.TLSv1_1
    with Receiver(tls11) as receiver:
        deliver = configure(
            receiver.url, {"caBundlePem": pki.ca_pem}, DELIVERY_MAX_RECEIVES="1", DELIVERY_RETRY_BUDGET_SECONDS="0.2"
        )
        deliver(sqs_event(sqs_record(utterance(2))))
        assert receiver.requests == []
    assert last_error(delivery_aws).startswith("TLS: ")
