def add(a: int, b: int) -> int:
    return a + b


print("x" * 50_000_000)
