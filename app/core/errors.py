"""Errors the caller caused; the web layer maps them to 422 once (app.main)."""


class InputError(ValueError):
    """Bad input, with a message a learner can act on and the field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ShapeError(InputError):
    """Arrays whose shapes do not fit together (e.g. filter depth vs input channels)."""
