"""Pydantic models at the edges: API bodies, Connect events, stored items, queue messages. No I/O."""
