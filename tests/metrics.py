"""Reading the Prometheus exposition the way a scraper does."""

from prometheus_client.parser import text_string_to_metric_families

from sofifi_api import metrics


def sample_value(exposition: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name` with `labels` (None when absent)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


def scraped(name: str, **labels: str) -> float:
    """The sample's value in this process's exposition now; 0 when absent."""
    return sample_value(metrics.exposition().decode(), name, **labels) or 0.0
