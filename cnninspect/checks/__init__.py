"""The checks: the rule catalogue, one module per rule family, the input-size solver and the
lecture's arithmetic — each reads a trace and returns findings or explanations."""
