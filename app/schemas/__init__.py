"""Request and response models, one module per domain; shared types in common.py."""
