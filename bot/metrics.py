"""Prometheus metrics: what operators watch on GET /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "steward_requests_total",
    "Change requests that reached a final state, by vendor, action and state.",
    ["vendor", "action", "state"],
)
VENDOR_CALLS = Counter(
    "steward_vendor_calls_total",
    "HTTP calls to vendors, by vendor and status (or timeout / unreachable).",
    ["vendor", "status"],
)
VENDOR_LATENCY = Histogram(
    "steward_vendor_call_seconds",
    "Time of one HTTP call to a vendor.",
    ["vendor"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PENDING_APPROVALS = Gauge("steward_pending_approvals", "Requests waiting for approval.")
SCHEDULED_ENDS = Counter(
    "steward_scheduled_ends_total",
    "Changes made for a while whose end came, by how it went: ended or not_ended.",
    ["state"],
)
SLACK_ERRORS = Counter("steward_slack_api_errors_total", "Failed Slack Web API calls, by method.", ["method"])


def vendor_call(vendor: str, status: str, seconds: float) -> None:
    VENDOR_CALLS.labels(vendor=vendor, status=status).inc()
    VENDOR_LATENCY.labels(vendor=vendor).observe(seconds)
