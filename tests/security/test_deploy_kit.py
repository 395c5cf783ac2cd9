"""deploy/web.config says what deploy/README.md promises (IIS itself is checked only on paper)."""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own file
from pathlib import Path

import pytest
from django.conf import settings
from waitress.adjustments import Adjustments

pytestmark = pytest.mark.no_orchestrator_db

ROOT = Path(__file__).resolve().parents[2]
WEB_CONFIG = ET.parse(ROOT / "deploy" / "web.config").getroot()  # noqa: S314 - our own file
SERVER = WEB_CONFIG.find("system.webServer")


def platform():
    return SERVER.find("httpPlatform")


def test_httpplatformhandler_runs_waitress_on_loopback_with_https_scheme():
    node = platform()
    assert node.get("forwardWindowsAuthToken") == "true"
    assert node.get("startupTimeLimit") == "120"
    assert node.get("stdoutLogEnabled") == "true"
    assert node.get("processPath").endswith(r"\.venv\Scripts\python.exe")
    words = shlex.split(node.get("arguments").replace("%HTTP_PLATFORM_PORT%", "8123"))
    assert words[:2] == ["-m", "waitress"]
    options, app = Adjustments.parse_args(words[2:])
    options.pop("help")
    options.pop("call")
    adjustments = Adjustments(**options)
    assert app == ["orchestrator_site.wsgi:application"]
    assert [address[:2] for *_family_type_proto, address in adjustments.listen] == [
        ("127.0.0.1", 8123)
    ]
    assert adjustments.url_scheme == "https"
    assert adjustments.threads == 8
    assert adjustments.trusted_proxy == "127.0.0.1"
    assert adjustments.trusted_proxy_headers == {"x-forwarded-for"}
    assert adjustments.clear_untrusted_proxy_headers is True


def test_the_rewrite_rule_sets_the_pairing_header_the_console_reads():
    rule = SERVER.find("rewrite/rules/rule")
    assert rule.find("match").get("url") == "*"
    assert rule.find("action").get("type") == "None"
    variable = rule.find("serverVariables/set")
    expected = "HTTP_" + settings.CONSOLE_PAIRING_HEADER.upper().replace("-", "_")
    assert variable.get("name") == expected == "HTTP_X_CONSOLE_PAIRING"
    assert variable.get("replace") == "true"
    env = {e.get("name"): e.get("value") for e in platform().iter("environmentVariable")}
    assert variable.get("value") == env["CONSOLE_PAIRING_SECRET"]


def test_windows_authentication_on_anonymous_off():
    auth = SERVER.find("security/authentication")
    assert auth.find("anonymousAuthentication").get("enabled") == "false"
    assert auth.find("windowsAuthentication").get("enabled") == "true"


def test_every_variable_web_config_sets_is_documented():
    documented = set(re.findall(r"^#?([A-Za-z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    names = {e.get("name") for e in platform().iter("environmentVariable")}
    names = {n.removesuffix("_FILE") for n in names} - {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}
    assert names - documented == set()
    assert "CONSOLE_PAIRING_SECRET" in names and "CONSOLE_SECRET_KEY" in names


def test_the_load_test_runs_as_many_processes_as_the_kit_starts():
    from bench.loadtest import DEPLOYED_PROCESSES

    assert int(platform().get("processesPerApplication")) == DEPLOYED_PROCESSES >= 2


def test_pywin32_is_pinned_for_the_windows_server_only():
    from packaging.requirements import Requirement

    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [Requirement(line) for line in lines if line.startswith("pywin32")]
    assert len(pins) == 1 and str(pins[0].specifier).startswith("==")
    assert pins[0].marker.evaluate({"sys_platform": "win32"})
    assert not pins[0].marker.evaluate({"sys_platform": "linux"})
