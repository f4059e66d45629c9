"""Memory that is measured, not guessed: one training or inference step tracked on fake tensors
with torch's own memory tracker, and the largest batch that fits a budget."""
