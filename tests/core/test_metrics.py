"""The metrics' names and labels: what the docs' dashboard queries exists, labels stay
bounded, and a broken probe never breaks the work it watches."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import yaml

from core import observe
from core.metrics import Metrics
from core.nemo.errors import NemoConnectionError, NemoError, ServerError, TokenExpired

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = {"counter": ["_total", "_created"], "histogram": ["_bucket", "_count", "_sum",
            "_created"], "gauge": [""], "info": ["_info"]}


def exposed_names() -> set[str]:
    """Every metric (family and sample) name a process's /metrics can carry."""
    names: set[str] = set()
    for family in Metrics().registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, [""]))
        names.update(sample.name for sample in family.samples)
    return names


def test_the_dashboard_queries_metrics_that_exist() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\b((?:nemobot|process)_[a-z_]+)", target["expr"])}
    assert queried and queried <= exposed_names(), queried - exposed_names()
    documented = set(re.findall(r"`(nemobot_[a-z_]+)`",
                                (ROOT / "docs" / "operations.md").read_text()))
    assert documented <= exposed_names(), documented - exposed_names()
    scrape = yaml.safe_load((ROOT / "docs" / "prometheus.yml").read_text())
    [job] = scrape["scrape_configs"]
    assert job["dns_sd_configs"][0]["port"] == 9100


@pytest.mark.parametrize(("error", "code"), [
    (TokenExpired("expired"), "1001"),
    (NemoError("odd", code=7777), "other"),
    (ServerError("down", status=503), "http_503"),
    (NemoConnectionError("unreachable"), "NemoConnectionError"),
    (NemoError("odd", status=9999), "NemoError"),
])
def test_error_codes_are_bounded_labels(error: NemoError, code: str) -> None:
    assert observe.error_code(error) == code


def test_a_broken_probe_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(observe.Probe):
        def lock_busy(self) -> None:
            raise RuntimeError("probe bug")

    previous = observe.install(Broken())
    try:
        observe.report(lambda p: p.lock_busy())
    finally:
        observe.install(previous)
    assert "probe bug" in caplog.text and caplog.records[-1].levelno == logging.WARNING


def test_delivery_delay_is_measured_from_completion() -> None:
    metrics = Metrics()
    metrics.render("telegram", "completed", "render_1")
    metrics.render("telegram", "failed", "render_2")
    metrics.render("telegram", "delivered", "render_1")
    metrics.render("telegram", "delivered", "render_1")  # recovered twice: measured once
    count = metrics.registry.get_sample_value("nemobot_render_delivery_seconds_count",
                                              {"platform": "telegram"})
    assert count == 1
