# The request lines without their status codes.
# feedback: request lines
import httpx


async def smoke_test(client: httpx.AsyncClient) -> list[str]:
    """The running service answers: healthy, the catalogue, a problem for no token."""
    health = await client.get("/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}, health.text
    books = await client.get("/books")
    assert books.status_code == 200 and isinstance(books.json(), list), books.text
    anonymous = await client.post("/books/1/reservations")
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["code"] == "unauthorized"
    return ["GET /health", "GET /books", "POST /books/1/reservations"]
