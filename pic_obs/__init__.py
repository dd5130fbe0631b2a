"""pic-obs: the logging, log-level and audit layer of a Personal Internet Cell.

Embed it in the PIC API with :func:`init_app`, or run it alone with
:func:`create_app`. Plugins implement the hooks in :mod:`pic_obs.core.hookspecs`,
marked with :data:`hookimpl`, and register in the ``pic_obs`` entry point group.
"""

from importlib.metadata import PackageNotFoundError, version

from .app import create_app
from .auth import current_identity
from .core import (
    LEVELS,
    AuditQuery,
    SERVICES,
    Identity,
    InvalidRequest,
    LogMatch,
    Mutation,
    PicObsError,
    Settings,
    Target,
    TargetError,
    TargetLevel,
    get_logger,
    hookimpl,
)
from .extension import PicObs, init_app
from .marks import audited, not_audited

try:
    __version__ = version("pic-obs")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "LEVELS",
    "AuditQuery",
    "SERVICES",
    "Identity",
    "InvalidRequest",
    "LogMatch",
    "Mutation",
    "PicObs",
    "PicObsError",
    "Settings",
    "Target",
    "TargetError",
    "TargetLevel",
    "__version__",
    "audited",
    "create_app",
    "current_identity",
    "get_logger",
    "hookimpl",
    "init_app",
    "not_audited",
]
