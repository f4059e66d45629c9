"""The trace layer: the one forward pass, with shapes, parameters and MACs per module call."""
