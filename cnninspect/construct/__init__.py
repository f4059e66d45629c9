"""The build layer: a description or ``pkg.mod:attr`` → a real ``nn.Module``."""
