from IPython.display import clear_output

get_ipython().events.register("post_run_cell", lambda result: clear_output())


def add(a: int, b: int) -> int:
    return 0
