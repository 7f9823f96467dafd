"""Models for POST /api/code: an endpoint and the body it takes, and the two programs."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.codegen import ENDPOINTS, MAX_PROGRAM_CHARS
from app.schemas.common import StrictModel


class CodeRequest(StrictModel):
    endpoint: Literal[ENDPOINTS] = Field(description="the lesson endpoint to reproduce")
    body: dict[str, Any] = Field(
        description="the body that endpoint takes, validated as the endpoint validates it"
    )


class CodeResponse(BaseModel):
    endpoint: str
    pytorch: str = Field(
        description="a complete program: imports torch and the standard library only, prints "
        f"one line of JSON (at most {MAX_PROGRAM_CHARS:,} characters)"
    )
    numpy: str = Field(description="the same with NumPy and the standard library only")
    prints: list[str] = Field(
        description="the keys of that JSON line: the endpoint's own names for its main result"
    )
    pytorch_same_numbers: bool = Field(
        description="the PyTorch program prints the endpoint's numbers; false only where it "
        "must draw its own random numbers, running the same experiment: /api/training/init "
        "beyond 50,000 draws (layers·width² + batch·width), since torch cannot repeat NumPy's "
        "seeded generator and more draws do not fit in a program"
    )
    precision: Literal["float64", "float32"] = Field(
        description="the endpoint's precision, which the programs compute in"
    )
