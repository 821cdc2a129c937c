from pathlib import Path

from helpers import migrations


async def adopt(folder: Path, url: str) -> None:
    await migrations.upgrade(url, "head", folder=folder, quiet=True)
