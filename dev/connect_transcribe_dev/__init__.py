"""Development-only code, never shipped in the Lambda layer or the worker image: local mode (moto, the local KVS
media server, a local API Gateway and SQS event source, a webhook receiver), the demo, and the CLI that adds them."""
