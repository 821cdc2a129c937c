from pathlib import Path

from helpers import migrations


async def check_round_trip(folder: Path, url: str) -> None:
    await migrations.upgrade(url, "head", folder=folder, quiet=True)
    at_head = await migrations.read_schema(url)
    await migrations.downgrade(url, "base", folder=folder, quiet=True)
    if await migrations.read_schema(url) != {}:
        raise AssertionError("downgrading to base leaves tables behind")
    await migrations.upgrade(url, "head", folder=folder, quiet=True)
    if await migrations.read_schema(url) != at_head:
        raise AssertionError("upgrading again builds another schema")
