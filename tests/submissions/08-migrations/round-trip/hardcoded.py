from pathlib import Path

from helpers import migrations


async def check_round_trip(folder: Path, url: str) -> None:
    await migrations.upgrade(url, "head", folder=folder, quiet=True)
    await migrations.downgrade(url, "0001", folder=folder, quiet=True)
    members = (await migrations.read_schema(url))["members"]["columns"]
    if "joined_on" in [column[0] for column in members]:
        raise AssertionError("downgrading 0002 leaves joined_on behind")
    await migrations.downgrade(url, "base", folder=folder, quiet=True)
    await migrations.upgrade(url, "head", folder=folder, quiet=True)
