"""Webhook delivery: map utterances to the webhook body, authenticate, sign, post with retries, dead-letter
what cannot be delivered. Logic only; HTTP, Secrets Manager and SQS live behind the ports in ports.py."""
