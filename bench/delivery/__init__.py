"""Webhook delivery latency benchmark: utterances queue → poller → webhook Lambda handler → HTTPS receiver."""
