"""Two Reports aligned layer by layer (the heart of ``cnninspect diff``)."""
