"""One CDK construct per concern; stacks compose them."""
