# Another style: raise_for_status for the healthy answers, the lines read off the responses.
import httpx


def line(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path} {response.status_code}"


async def smoke_test(client: httpx.AsyncClient) -> list[str]:
    """The running service answers: healthy, the catalogue, a problem for no token."""
    health = (await client.get("/health")).raise_for_status()
    assert health.json()["status"] == "ok"
    books = (await client.get("/books")).raise_for_status()
    assert type(books.json()) is list
    anonymous = await client.post("/books/1/reservations")
    problem = anonymous.json()
    assert anonymous.status_code == 401
    assert anonymous.headers.get("content-type", "").startswith("application/problem+json")
    assert problem.get("code") == "unauthorized", problem
    return [line(health), line(books), line(anonymous)]
