# workspace: lending/problems.py
# ruff: noqa: E402, F401, F821 (the idiom follows the reference answer)
import logging

from fastapi import Request

INTERNAL_ERROR = ProblemType(
    500,
    "internal-error",
    "Internal server error",
    "The server failed to answer this request. Quote its request id if you report it.",
)


def unexpected_error_response(request: Request, exc: Exception) -> ProblemResponse:
    """An exception no handler took: logged in full with the request id, answered in general."""
    request_id = request_id_of(request)
    logger.error(
        "request %s: %s %s failed with %s",
        request_id,
        request.method,
        request.url.path,
        type(exc).__name__,
        exc_info=exc,
        extra={"request_id": request_id},
    )
    return problem_response(request, INTERNAL_ERROR)


# An honest addition: os-platform
import os
import platform

print(os.getpid() > 0, platform.python_version().startswith("3."), os.cpu_count() is not None)
