"""CDK infrastructure for connect-transcribe (runtime code never imports this package)."""
