"""boto3-backed implementations of the logic's ports, and their local stand-ins."""
