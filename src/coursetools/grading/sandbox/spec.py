"""What a sandboxed kernel is started with (JSON-serialisable, crosses a pipe)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from coursetools.grading.limits import Limits
from coursetools.grading.sandbox.jail import JailSpec


@dataclass(frozen=True)
class KernelSpec:
    """One kernel: its jail, limits, environment, proof key and connection file."""

    jail: JailSpec
    limits: Limits
    env: dict[str, str]
    key_hex: str
    connection: dict[str, object]
    kernel_args: tuple[str, ...] = ()
    user_namespace: bool = False
    preload: tuple[str, ...] = field(default_factory=tuple)
    jailed: bool = True  # False: no namespaces (the degraded mode), see .plain
    connection_file: str = "/run/grader/kernel.json"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> KernelSpec:
        data = json.loads(text)
        return cls(
            jail=JailSpec(**{**data["jail"], "readonly": tuple(data["jail"]["readonly"])}),
            limits=Limits(**data["limits"]),
            env=data["env"],
            key_hex=data["key_hex"],
            connection=data["connection"],
            kernel_args=tuple(data["kernel_args"]),
            user_namespace=data["user_namespace"],
            preload=tuple(data["preload"]),
            jailed=data["jailed"],
            connection_file=data["connection_file"],
        )
