with open("filler.bin", "wb") as handle:
    for _ in range(2048):
        handle.write(b"\0" * 2**20)
