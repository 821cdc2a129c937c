# The service's address written in, as on a laptop: uvicorn's default port 8000.
# feedback: ConnectError
# feedback: a port chosen when it starts
import httpx


async def smoke_test(client: httpx.AsyncClient) -> list[str]:
    """The running service answers: healthy, the catalogue, a problem for no token."""
    base = "http://127.0.0.1:8000"
    health = await client.get(f"{base}/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}, health.text
    books = await client.get(f"{base}/books")
    assert books.status_code == 200 and isinstance(books.json(), list), books.text
    anonymous = await client.post(f"{base}/books/1/reservations")
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["code"] == "unauthorized"
    return ["GET /health 200", "GET /books 200", "POST /books/1/reservations 401"]
