"""The compose stack is valid, and mounts what each container plugin edits where it expects it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pic_obs_caddy.plugin import IN_CONTAINER, CaddyPlugin
from pic_obs_coredns.plugin import CoreDNSPlugin
from pic_obs_mailserver.plugin import MailserverPlugin
from pic_obs_wireguard.plugin import WireGuardPlugin

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def stack(tmp_path):
    shutil.copy(REPO / "docker-compose.yml", tmp_path)
    shutil.copytree(REPO / "deploy" / "data", tmp_path / "data")
    return tmp_path


def compose_config(stack: Path) -> dict:
    tool = shutil.which("docker-compose")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install docker-compose to validate docker-compose.yml")
        pytest.skip("docker-compose is not installed")
    out = subprocess.run([tool, "config"], cwd=stack, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_compose_file_is_valid_and_has_the_cell(stack):
    services = compose_config(stack)["services"]
    assert set(services) == {"api", "caddy", "coredns", "wireguard", "mailserver"}


def mounts(service: dict) -> dict[str, str]:
    out = {}
    for v in service.get("volumes", []):
        if isinstance(v, str):
            src, dst = v.split(":")[:2]
        else:
            src, dst = v["source"], v["target"]
        out[dst] = src
    return out


def test_plugins_edit_what_the_containers_mount(stack):
    services = compose_config(stack)["services"]
    data = stack / "data"
    api = services["api"]
    assert mounts(api)["/app/data"] == str(data)
    assert "/var/run/docker.sock" in mounts(api)
    assert api["environment"]["PIC_DATA_DIR"] == "/app/data"
    # Caddy: data/caddy is /etc/caddy, so the Caddyfile pic-obs edits is the one Caddy reads.
    caddyfile = data / CaddyPlugin.config_file
    assert Path(mounts(services["caddy"])[str(Path(IN_CONTAINER).parent)]) == caddyfile.parent
    assert api["environment"]["PIC_OBS_CADDY_CONFIG_IN_CONTAINER"] == IN_CONTAINER
    assert caddyfile.exists()
    corefile = data / CoreDNSPlugin.config_file
    assert Path(mounts(services["coredns"])["/etc/coredns"]) == corefile.parent and corefile.exists()
    # The env files compose passes are the ones the plugins set LOG_LEVEL in.
    for plugin, service in ((WireGuardPlugin, "wireguard"), (MailserverPlugin, "mailserver")):
        env = data / plugin.config_file
        assert env.exists()
        assert services[service]["environment"]["LOG_LEVEL"] == env.read_text().split("LOG_LEVEL=")[1].split()[0]
