"""POST /api/code: a PyTorch and a NumPy program that reproduce a lesson endpoint's numbers."""

from fastapi import APIRouter

from app import codegen
from app.schemas.code import CodeRequest, CodeResponse
from app.server import HeavyRoute

router = APIRouter(prefix="/api/code", tags=["code"], route_class=HeavyRoute)


@router.post("", summary="Reproduce a lesson endpoint in PyTorch and in NumPy")
def code(request: CodeRequest) -> CodeResponse:
    """Two short programs, runnable as they are, that compute what the endpoint returns for this
    body and print its main result as one line of JSON under the endpoint's own names. The body
    is checked exactly as the endpoint checks it; the programs hold its numbers, never its text.
    """
    programs = codegen.generate(request.endpoint, request.body)
    return CodeResponse(
        endpoint=request.endpoint,
        pytorch=programs.pytorch,
        numpy=programs.numpy,
        prints=list(programs.prints),
        pytorch_same_numbers=programs.same_numbers,
        precision=programs.precision or codegen.LESSONS[request.endpoint].precision,
    )
