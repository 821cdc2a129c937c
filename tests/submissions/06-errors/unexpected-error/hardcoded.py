# workspace: lending/problems.py
# ruff: noqa: F821 (names defined by the notebook's earlier cells)

from fastapi import Request

INTERNAL_ERROR = ProblemType(
    500,
    "internal-error",
    "Internal server error",
    "The server failed to answer this request. Quote its request id if you report it.",
)


def unexpected_error_response(request: Request, exc: Exception) -> ProblemResponse:
    """An exception no handler took: logged in full with the request id, answered in general."""
    logger.error("request req-0001 failed", exc_info=exc)
    return problem_response(request, INTERNAL_ERROR)
