"""``pic-obs audit``: verify, export and show the trail straight from the files.

They read the data dir, not the API, so they work while the API is down.
"""

from __future__ import annotations

import json
import os
import sys

import click

from pic_obs import Settings
from pic_obs.core.engine import parse_audit_query
from pic_obs.core.errors import InvalidRequest

from . import query as audit_query
from .plugin import audit_log
from .verify import verify as verify_trail


def _data_dir(f):
    """``--data-dir`` after the command too (``pic-obs audit verify --data-dir D``)."""
    return click.option("--data-dir", "data_dir", default=None, type=click.Path(file_okay=False),
                        help="The cell's data dir (overrides the one before the command).")(f)


def _log(obj, data_dir: str | None):
    settings = obj.settings if data_dir is None else Settings.from_mapping(os.environ, data_dir=data_dir)
    return audit_log(settings)


def _filters(f):
    for name in ("until", "since", "result", "target_id", "target_type", "action", "actor"):
        f = click.option(f"--{name.replace('_', '-')}", name, default=None,
                         help="RFC 3339 time" if name in ("since", "until") else f"exact {name}")(f)
    return f


def _query(options: dict, export: bool):
    args = {k: str(v) for k, v in options.items() if v is not None}
    try:
        # The core checks the filters exactly as the API does.
        return parse_audit_query(args, export=export)
    except InvalidRequest as exc:
        raise click.UsageError("; ".join(f"{d['path']}: {d['message']}" for d in exc.details)) from None


@click.group()
def audit() -> None:
    """Verify, export and show the audit trail."""


@audit.command()
@_data_dir
@click.pass_obj
def verify(obj, data_dir: str | None) -> None:
    """Check the hash chain and the sealed checkpoint; exit 0 if intact, 1 if not."""
    log = _log(obj, data_dir)
    files = log.files_oldest_first()
    size = sum(p.stat().st_size for p in files)
    if sys.stderr.isatty() and size:
        with click.progressbar(length=size, label="verifying", file=sys.stderr) as bar:
            report = verify_trail(log, progress=bar.update)
    else:
        report = verify_trail(log)
    state = "intact" if report["intact"] else "NOT INTACT"
    n = len(report["files"])
    click.echo(f"{state}: {report['entries']} entries (seq {report['first_seq']}..{report['last_seq']}) "
               f"in {n} file{'' if n == 1 else 's'}")
    for p in report["problems"]:
        where = f" {p['file']}:{p['line']}" if p.get("line") else (f" {p['file']}" if p.get("file") else "")
        click.echo(f"  {p['kind']}{where}: {p['detail']}")
    sys.exit(0 if report["intact"] else 1)


@audit.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--limit", type=int, default=None)
@_filters
@_data_dir
@click.pass_obj
def export(obj, fmt: str, limit: int | None, data_dir: str | None, **filters) -> None:
    """Write the matching entries to stdout, oldest first."""
    query = _query({**filters, "limit": limit}, export=True)
    for chunk in audit_query.export(_log(obj, data_dir), query, fmt):
        click.echo(chunk, nl=False)


@audit.command()
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--offset", type=int, default=0)
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON lines.")
@_filters
@_data_dir
@click.pass_obj
def show(obj, limit: int, offset: int, as_json: bool, data_dir: str | None, **filters) -> None:
    """Print the newest matching entries, newest first."""
    query = _query({**filters, "limit": limit, "offset": offset}, export=False)
    result = audit_query.page(_log(obj, data_dir), query)
    for e in result["entries"]:
        if as_json:
            click.echo(json.dumps(e))
        else:
            click.echo(f"{e['seq']:>7} {e['ts']} {e['actor']:<12} {e['ip']:<15} {e['result']:<7} {e['summary']}")
    click.echo(f"({len(result['entries'])} of {result['total']})", err=True)
