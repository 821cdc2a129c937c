# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: ignores `active`
async def check_member_repository(members: MemberRepository) -> None:
    """Checks every promise but one: it never tries the `active` filter."""
    grace = await members.add(Member(name="Grace Hopper", email="grace@example.org"))
    linus = await members.add(Member(name="Linus Pauling", email="linus@example.org", active=False))
    ada = await members.add(Member(name="Ada Lovelace", email="ada@example.org"))
    for member in (grace, linus, ada):
        assert isinstance(member.id, int), "add gives the member an id"
        assert await members.get(member.id) is member, "get returns the member added"
        assert await members.get_by_email(member.email) is member, "get_by_email finds them"
    assert await members.get(-1) is None, "get returns None for an unknown id"
    assert await members.get_by_email("nobody@example.org") is None, "unknown address: None"
    assert await members.list() == [grace, linus, ada], "list: every member, in id order"
    assert await members.list(limit=1, offset=1) == [linus], "list: limit and offset"
    try:
        await members.add(Member(name="Ada King", email="ada@example.org"))
    except DuplicateError:
        return
    raise AssertionError("add refuses a second member with the same e-mail address")
