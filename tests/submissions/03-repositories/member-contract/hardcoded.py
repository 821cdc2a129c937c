# ruff: noqa: F821 (names defined by earlier cells of the notebook)
async def check_member_repository(members: MemberRepository) -> None:
    """Checks the one promise the visible test tries, the `active` filter, and no other."""
    grace = await members.add(Member(name="Grace Hopper", email="grace@example.org"))
    linus = await members.add(Member(name="Linus Pauling", email="linus@example.org", active=False))
    ada = await members.add(Member(name="Ada Lovelace", email="ada@example.org"))
    assert await members.list(active=True) == [grace, ada], "list(active=True)"
    assert await members.list(active=False) == [linus], "list(active=False)"
