"""The request's life: policy (who may ask, see and approve), resolving targets, the pipeline
(request → card → approval → vendor → outcome), running a change on its targets, and reports.

May import the language, the store, Slack presentation, vendors, settings and errors; only the
fronts (handlers, the terminal) and the wiring import it.
"""

from bot.flow import reports
from bot.flow.pipeline import TERMINAL, Pipeline
from bot.flow.policy import Decision, Policy, Rules, VendorPolicy, administered_vendors, load_policy
from bot.flow.replays import first_delivery
from bot.flow.resolve import EmailLookup, resolve

__all__ = [
    "TERMINAL",
    "Decision",
    "EmailLookup",
    "Pipeline",
    "Policy",
    "Rules",
    "VendorPolicy",
    "administered_vendors",
    "first_delivery",
    "load_policy",
    "reports",
    "resolve",
]
