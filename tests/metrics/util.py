"""Reading /metrics as Prometheus would: prometheus_client's own parser over the response text."""

from __future__ import annotations

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.settings import TEST_METRICS_TOKEN

BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TEST_METRICS_TOKEN}"}


def parse(text: str) -> dict[str, dict[tuple, float]]:
    """{sample name: {sorted (label, value) pairs: value}}, every sample of every family."""
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            assert key not in samples.setdefault(sample.name, {}), f"duplicate {sample}"
            samples[sample.name][key] = sample.value
    return samples


def scrape(client: Client | None = None, **headers) -> dict[str, dict[tuple, float]]:
    """A scrape with the bearer token (or as the client's identity when headers are given)."""
    response = (client or Client()).get("/metrics", **(headers or BEARER))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.content.decode())


def by(samples: dict[tuple, float], label: str) -> dict[str, float]:
    """One label's value -> sample value, for a family with that single label."""
    return {dict(key)[label]: value for key, value in samples.items()}
