"""The one error body every 4xx and 5xx of the API has (app/main.py builds it)."""

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    detail: str = Field(description="a sentence saying what is wrong and what to do")
    field: str | None = Field(
        description="the request field at fault (e.g. 'weights[0][1]', 'spec.filters[0]', "
        "'body', 'file'), or null when no one field is"
    )
