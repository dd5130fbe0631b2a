"""The settings of one pic-obs instance, as every hook receives them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFIX = "PIC_OBS_"
DATA_DIR_ENV = "PIC_DATA_DIR"
DEFAULT_DATA_DIR = "./data"


@dataclass(frozen=True)
class Settings:
    """Where the data lives and the ``PIC_OBS_*`` configuration.

    ``config`` holds every ``PIC_OBS_*`` key of the app (or environment), so a
    plugin reads its own keys from it, e.g. ``PIC_OBS_CONTAINER_CADDY``.
    """

    data_dir: Path
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def api_dir(self) -> Path:
        return self.data_dir / "api"

    def get(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], data_dir: str | os.PathLike | None = None) -> Settings:
        """Build from a Flask config or ``os.environ``: ``PIC_OBS_*`` keys and ``PIC_DATA_DIR``."""
        raw = data_dir or mapping.get(PREFIX + "DATA_DIR") or mapping.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
        config = {k: v for k, v in mapping.items() if isinstance(k, str) and k.startswith(PREFIX)}
        path = Path(raw).expanduser().absolute()
        config[PREFIX + "DATA_DIR"] = str(path)
        return cls(path, config)
