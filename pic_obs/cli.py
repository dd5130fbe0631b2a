"""The ``pic-obs`` command: serve the API, manage tokens, read logs, list plugins.

Everything but ``serve`` works on the data dir directly, so it works while the
API is down.
"""

from __future__ import annotations

import json
import os
import sys

import click

from .core.engine import Core
from .core.errors import InvalidRequest, PicObsError
from .core.plugins import PluginManager
from .core.settings import DATA_DIR_ENV, DEFAULT_DATA_DIR, Settings
from .core.tokens import ROLES, TokenError, TokenStore


class Context:
    def __init__(self, data_dir: str):
        self.settings = Settings.from_mapping(os.environ, data_dir=data_dir)

    def tokens(self) -> TokenStore:
        return TokenStore(self.settings.api_dir / "tokens.json")

    def core(self) -> Core:
        return Core(self.settings)


pass_ctx = click.make_pass_decorator(Context)


def _fail(exc: PicObsError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    for detail in getattr(exc, "details", []):
        click.echo(f"  {detail['path'] or 'body'}: {detail['message']}", err=True)
    sys.exit(2 if isinstance(exc, InvalidRequest) else 1)


@click.group()
@click.option(
    "--data-dir", envvar=DATA_DIR_ENV, default=DEFAULT_DATA_DIR, show_default=True,
    help=f"The cell's data dir (also ${DATA_DIR_ENV}).",
)
@click.version_option(package_name="pic-obs")
@click.pass_context
def cli(ctx: click.Context, data_dir: str) -> None:
    """pic-obs: log levels, logs and the audit trail of a Personal Internet Cell."""
    ctx.obj = Context(data_dir)


_registered = False


def get_cli() -> click.Group:
    """The command line with every plugin's commands added (once)."""
    global _registered
    if not _registered:
        plugins = PluginManager()
        plugins.load(only=os.environ.get("PIC_OBS_PLUGINS"), disable=os.environ.get("PIC_OBS_DISABLE_PLUGINS"))
        plugins.hook.pic_obs_register_commands(cli=cli)
        _registered = True
    return cli


def main() -> None:
    get_cli()()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@pass_ctx
def serve(ctx: Context, host: str, port: int, workers: int) -> None:
    """Run the API under gunicorn."""
    from .serve import serve as run

    # The workers build their app from the environment.
    os.environ[DATA_DIR_ENV] = str(ctx.settings.data_dir)
    run(host, port, workers)


@cli.group()
def token() -> None:
    """Create, list and revoke API tokens."""


@token.command("create")
@click.option("--user", required=True, help="The user name the token acts as.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--if-missing", is_flag=True, help="Do nothing (exit 0) if the user has a token already.")
@pass_ctx
def token_create(ctx: Context, user: str, role: str, if_missing: bool) -> None:
    """Print a new token for USER, once: only its hash is stored."""
    store = ctx.tokens()
    if if_missing and store.has_user(user):
        click.echo(f"{user} has a token already (revoke it with `pic-obs token revoke {user}` to make a new one)", err=True)
        return
    try:
        secret = store.create(user, role)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(secret)
    click.echo(f"token for {user} ({role}) created; it is shown only this once", err=True)


@token.command("list")
@pass_ctx
def token_list(ctx: Context) -> None:
    """List the users that have a token (never the tokens)."""
    for entry in ctx.tokens().list():
        click.echo(f"{entry['user']}\t{entry['role']}\t{entry['created']}")


@token.command("revoke")
@click.argument("user")
@pass_ctx
def token_revoke(ctx: Context, user: str) -> None:
    """Revoke USER's token; requests with it fail from now on."""
    if not ctx.tokens().revoke(user):
        raise click.ClickException(f"{user!r} has no token; `pic-obs token list` shows who has one")
    click.echo(f"revoked the token of {user}")


@cli.group()
def logs() -> None:
    """Read the service logs."""


@logs.command("tail")
@click.argument("service")
@click.option("-n", "--lines", default=100, show_default=True, type=int)
@pass_ctx
def logs_tail(ctx: Context, service: str, lines: int) -> None:
    """Print the last lines of SERVICE's log (rotated files included)."""
    try:
        for line in ctx.core().tail("service", service, lines):
            click.echo(line)
    except PicObsError as exc:
        _fail(exc)


@logs.command("search")
@click.argument("query")
@click.option("--service", default=None, help="One service; all of them when left out.")
@click.option("--limit", default=100, show_default=True, type=int)
@pass_ctx
def logs_search(ctx: Context, query: str, service: str | None, limit: int) -> None:
    """Print the lines holding QUERY (plain text, any case), newest first."""
    try:
        matches, truncated = ctx.core().search(query, name=service, limit=limit)
    except PicObsError as exc:
        _fail(exc)
    for m in matches:
        click.echo(f"{m.file}:{m.line_number}: {m.line}")
    if truncated:
        click.echo(f"(stopped at {limit} matches; raise --limit to see more)", err=True)


@cli.command()
@pass_ctx
def backup(ctx: Context) -> None:
    """Write data/backups/pic-backup-<UTC>.tar.gz with all a restore needs."""
    path = ctx.core().backup()
    click.echo(str(path))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON, as GET /api/plugins answers.")
@pass_ctx
def plugins(ctx: Context, as_json: bool) -> None:
    """List the plugins pic-obs finds, with their status and errors."""
    info = ctx.core().plugin_info()
    if as_json:
        click.echo(json.dumps({"plugins": info}, indent=2))
        return
    for p in info:
        line = f"{p['name']}\t{p['version'] or '-'}\t{p['status']}\t{p['source']}\t{','.join(p['hooks'])}"
        if p["error"]:
            line += f"\t{p['error']}"
        click.echo(line)


if __name__ == "__main__":
    main()
