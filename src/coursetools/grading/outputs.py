"""Collect a cell's outputs from kernel messages, capped in bytes.

A notebook's outputs are bounded twice: per cell and per notebook. Past a
bound, text is cut at a character boundary with a note saying how much was
dropped, and further display outputs are replaced by that note. An error output
is always kept (its traceback trimmed), so a failing cell still shows why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ERROR_ALLOWANCE = 8 * 1024  # bytes an error may always use, even past the caps


@dataclass
class Budget:
    """Bytes left for the whole notebook."""

    left: int


def _text_bytes(text: str) -> int:
    return len(text.encode("utf-8", errors="replace"))


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    return text.encode("utf-8", errors="replace")[: max(limit, 0)].decode("utf-8", errors="ignore")


def _note(dropped: int) -> str:
    return f"\n[... {dropped:,} bytes of output dropped by the grader ...]\n"


@dataclass
class CellOutputs:
    """The outputs of one cell as an nbformat list, within ``cap`` and ``budget``."""

    cap: int
    budget: Budget
    outputs: list[dict[str, Any]] = field(default_factory=list)
    used: int = 0
    dropped: int = 0
    _clear_pending: bool = False

    def _room(self) -> int:
        return max(min(self.cap - self.used, self.budget.left), 0)

    def _spend(self, size: int) -> None:
        self.used += size
        self.budget.left -= size

    def add(self, msg_type: str, content: dict[str, Any]) -> None:
        """Record one iopub message of the cell."""
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_pending = True
            else:
                self.outputs.clear()
            return
        if msg_type not in ("stream", "display_data", "execute_result", "error"):
            return
        if self._clear_pending:
            self.outputs.clear()
            self._clear_pending = False
        if msg_type == "stream":
            self._stream(content)
        elif msg_type == "error":
            self._error(content)
        else:
            self._display(msg_type, content)

    def _stream(self, content: dict[str, Any]) -> None:
        text = str(content.get("text", ""))
        size = _text_bytes(text)
        room = self._room()
        if size > room:
            self.dropped += size - room
            text = _cut(text, room)
            size = _text_bytes(text)
        self._spend(size)
        name = "stderr" if content.get("name") == "stderr" else "stdout"
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        elif text:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def _error(self, content: dict[str, Any]) -> None:
        allowance = max(self._room(), ERROR_ALLOWANCE)
        lines: list[str] = []
        used = 0
        for line in [str(x) for x in content.get("traceback", [])]:
            size = _text_bytes(line)
            if used + size > allowance:
                lines.append("[... traceback cut by the grader ...]")
                break
            lines.append(line)
            used += size
        output = {
            "output_type": "error",
            "ename": _cut(str(content.get("ename", "Error")), 200),
            "evalue": _cut(str(content.get("evalue", "")), 2000),
            "traceback": lines,
        }
        self._spend(min(used, self._room()))
        self.outputs.append(output)

    def _display(self, msg_type: str, content: dict[str, Any]) -> None:
        data = content.get("data")
        metadata = content.get("metadata")
        if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
            return
        try:
            size = len(json.dumps(data))
        except (TypeError, ValueError):
            return
        if size > self._room():
            self.dropped += size
            return
        self._spend(size)
        output: dict[str, Any] = {
            "output_type": msg_type,
            "data": data,
            "metadata": metadata if isinstance(metadata, dict) else {},
        }
        if msg_type == "execute_result":
            count = content.get("execution_count")
            output["execution_count"] = count if isinstance(count, int) else None
        self.outputs.append(output)

    def finish(self) -> list[dict[str, Any]]:
        """The outputs, with a note when anything was dropped."""
        if self.dropped:
            self.outputs.append(
                {"output_type": "stream", "name": "stdout", "text": _note(self.dropped)}
            )
        return self.outputs
