"""Local stand-ins that run the product on one machine (no AWS account)."""
