"""Outputs are capped in bytes, per cell and per notebook; errors always survive."""

from __future__ import annotations

from coursetools.grading.outputs import Budget, CellOutputs


def _stream(text: str, name: str = "stdout") -> dict[str, str]:
    return {"name": name, "text": text}


def test_one_long_line_is_cut_in_bytes_with_a_note() -> None:
    cell = CellOutputs(cap=1000, budget=Budget(10_000))
    cell.add("stream", _stream("é" * 5_000))  # 10 000 bytes
    outputs = cell.finish()
    kept = outputs[0]["text"]
    assert len(kept.encode()) <= 1000
    assert "bytes of output dropped by the grader" in outputs[-1]["text"]


def test_streams_merge_and_the_notebook_budget_is_shared() -> None:
    budget = Budget(1500)
    first, second = CellOutputs(1000, budget), CellOutputs(1000, budget)
    first.add("stream", _stream("a" * 600))
    first.add("stream", _stream("b" * 600))
    second.add("stream", _stream("c" * 600))
    assert len(first.finish()[0]["text"]) == 1000
    assert len(second.finish()[0]["text"]) == 500
    assert budget.left == 0


def test_errors_are_kept_past_the_caps_with_a_trimmed_traceback() -> None:
    cell = CellOutputs(cap=10, budget=Budget(10))
    cell.add("stream", _stream("x" * 100))
    cell.add("error", {"ename": "E", "evalue": "v", "traceback": ["line " * 1000] * 50})
    error = next(o for o in cell.finish() if o["output_type"] == "error")
    assert error["ename"] == "E"
    assert sum(len(line) for line in error["traceback"]) < 20_000


def test_rich_outputs_past_the_cap_are_dropped_and_malformed_ones_ignored() -> None:
    cell = CellOutputs(cap=100, budget=Budget(1000))
    cell.add("display_data", {"data": {"text/plain": "x" * 500}, "metadata": {}})
    cell.add("display_data", {"data": "not a dict"})
    cell.add("execute_result", {"data": {"text/plain": "3"}, "execution_count": 4})
    outputs = cell.finish()
    assert [o["output_type"] for o in outputs] == ["execute_result", "stream"]
    assert outputs[0]["execution_count"] == 4


def test_clear_output_clears_now_or_before_the_next_output() -> None:
    cell = CellOutputs(cap=1000, budget=Budget(1000))
    cell.add("stream", _stream("a"))
    cell.add("clear_output", {"wait": True})
    assert cell.outputs
    cell.add("stream", _stream("b", "stderr"))
    cell.add("clear_output", {"wait": False})
    cell.add("stream", _stream("c", "bogus-name"))
    assert cell.finish() == [{"output_type": "stream", "name": "stdout", "text": "c"}]
