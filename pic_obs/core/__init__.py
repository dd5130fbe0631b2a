"""The pic-obs core: hooks, plugin manager, level model, log files. No Flask in here."""

from .engine import Core
from .errors import InvalidRequest, PicObsError, TargetError
from .files import locked, write_json_atomic
from .hookspecs import hookimpl, hookspec
from .levels import LEVELS, SERVICES, LevelStore, PythonLevels
from .logsetup import LOG_SOURCES, get_logger
from .plugins import ENTRY_POINT_GROUP, PluginManager
from .settings import Settings
from .tokens import ROLES, TokenError, TokenStore
from .types import AuditQuery, Identity, LogMatch, Mutation, Target, TargetLevel

__all__ = [
    "AuditQuery",
    "Core",
    "ENTRY_POINT_GROUP",
    "Identity",
    "InvalidRequest",
    "LEVELS",
    "LOG_SOURCES",
    "LevelStore",
    "LogMatch",
    "Mutation",
    "PicObsError",
    "PluginManager",
    "PythonLevels",
    "ROLES",
    "SERVICES",
    "Settings",
    "Target",
    "TargetError",
    "TargetLevel",
    "TokenError",
    "TokenStore",
    "get_logger",
    "hookimpl",
    "hookspec",
    "locked",
    "write_json_atomic",
]
