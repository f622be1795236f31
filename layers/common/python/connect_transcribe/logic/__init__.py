"""Pure steps of the product. Logic takes ports (small interfaces) and never creates AWS clients."""
