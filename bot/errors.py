"""Every error Steward raises on purpose, and the sentence a person reads for each.

    StewardError
    ├── ConfigError                  a setting is missing or malformed (names the setting)
    ├── InvalidValue                 a value breaks a vendor's documented rule; no call was made
    └── VendorError                  talking to a vendor went wrong
        ├── VendorStatusError        the vendor answered with an error status
        │   ├── VendorRejected       400: the vendor did not accept the values
        │   ├── VendorRefused        the vendor refused in its own words (ONLYOFFICE: as a 500)
        │   ├── VendorAuthError      401: the vendor rejected Steward's credentials
        │   ├── VendorPlanError      402: the feature is not in the company's plan
        │   ├── VendorForbidden      403: Steward's account may not do this
        │   ├── VendorNotFound       404: no such user or group
        │   ├── VendorRateLimited    429, or 503 with Retry-After, still failing after retries
        │   └── VendorServerError    5xx: the vendor failed
        ├── VendorNoAnswer           no answer at all
        │   ├── VendorTimeout        timed out
        │   └── VendorUnreachable    connection refused, reset or failed
        └── VendorBadResponse        an answer Steward could not read (not JSON, wrong shape)

`str(error)` is the readable explanation of PRODUCT.md "Readable errors": which vendor, what
Steward tried, what the vendor answered (status with a plain meaning, and the vendor's own
message), whether anything was changed, and what to do next. Errors carry no secrets: they are
built from statuses, vendor messages and ids, never from request headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any


class StewardError(Exception):
    """Base of every error Steward raises on purpose."""


class ConfigError(StewardError):
    """A setting is missing or malformed; the message names it and says what is expected."""


class InvalidValue(StewardError):
    """A value breaks a documented rule, found before any request was sent."""

    def __init__(self, field: str, rule: str, value: Any) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        super().__init__(f"`{field}`: {rule} (you gave {_show(value)}).")


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 80 else text[:77] + "…"


@dataclass(frozen=True)
class Attempt:
    """What Steward was doing when the error happened.

    `what` completes "while trying to …" ("update user 42"), `subject` names the object
    ("user 42"), and `writes` says whether the request could have changed anything.
    """

    what: str
    subject: str
    writes: bool


class VendorError(StewardError):
    """Talking to a vendor went wrong. Subclasses say how."""

    #: Whether the vendor may have applied the change: "no" or "unknown".
    changed = "no"

    def __init__(self, vendor: str, attempt: Attempt, *, credential: str = "") -> None:
        self.vendor = vendor
        self.attempt = attempt
        self.credential = credential
        self.attempts_made = 1
        super().__init__(self.explain())

    def headline(self) -> str:
        return f"{self.vendor} failed to {self.attempt.what}."

    def next_step(self) -> str:
        return "Try again later; if it keeps failing, an operator should check the logs."

    def changed_sentence(self) -> str:
        if not self.attempt.writes or self.changed == "no":
            return "Nothing was changed."
        return (
            f"It is unknown whether the change was applied: check {self.attempt.subject} "
            f"in {self.vendor} before trying again."
        )

    def explain(self) -> str:
        return " ".join(part for part in (self.headline(), self.changed_sentence(), self.next_step()) if part)

    def __str__(self) -> str:
        return self.explain()


class VendorStatusError(VendorError):
    """The vendor answered with an error status."""

    def __init__(
        self,
        vendor: str,
        attempt: Attempt,
        *,
        status: int,
        vendor_message: str = "",
        credential: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.vendor_message = vendor_message.strip()
        self.retry_after = retry_after
        super().__init__(vendor, attempt, credential=credential)

    @property
    def status_text(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "error"
        return f"{self.status} {phrase}"

    def quoted(self) -> str:
        return f": {self.vendor_message.rstrip('.')}" if self.vendor_message else ""

    def headline(self) -> str:
        return (
            f"{self.vendor} answered {self.status_text} when Steward tried to "
            f"{self.attempt.what}{self.quoted()}."
        )


class VendorRejected(VendorStatusError):
    def headline(self) -> str:
        return (
            f"{self.vendor} did not accept the change to {self.attempt.subject} "
            f"({self.status}){self.quoted()}."
        )

    def next_step(self) -> str:
        return "Correct the value and send the request again."


class VendorRefused(VendorStatusError):
    """The vendor refused in its own words under a status that does not say so (ONLYOFFICE raises
    its refusals as 500s); it checks before it changes anything, so `changed` is "no" unless the
    client knows better. `remedy` is what to do."""

    def __init__(
        self, vendor: str, attempt: Attempt, *, status: int, vendor_message: str = "", remedy: str = ""
    ) -> None:
        self.remedy = remedy
        super().__init__(vendor, attempt, status=status, vendor_message=vendor_message)

    def headline(self) -> str:
        return f"{self.vendor} refused to {self.attempt.what} ({self.status}){self.quoted()}."

    def next_step(self) -> str:
        return self.remedy or f"Do what {self.vendor}'s answer asks, then send the request again."


class VendorAuthError(VendorStatusError):
    def headline(self) -> str:
        return (
            f"{self.vendor} rejected Steward's credentials ({self.status}) when Steward tried to "
            f"{self.attempt.what}{self.quoted()}."
        )

    def next_step(self) -> str:
        return f"An operator must check {self.credential or 'the vendor credentials'}."


class VendorPlanError(VendorStatusError):
    def headline(self) -> str:
        return f"{self.vendor}: this feature is not in the company's plan ({self.status}){self.quoted()}."

    def next_step(self) -> str:
        return f"Ask whoever manages the {self.vendor} subscription."


class VendorForbidden(VendorStatusError):
    def headline(self) -> str:
        return f"Steward's {self.vendor} account may not {self.attempt.what} ({self.status}){self.quoted()}."

    def next_step(self) -> str:
        return f"An operator must give Steward's {self.vendor} account the rights for this, or do it by hand."


class VendorNotFound(VendorStatusError):
    def headline(self) -> str:
        return f"{self.vendor} has no {self.attempt.subject} ({self.status}){self.quoted()}."

    def next_step(self) -> str:
        return "Check the id or e-mail address and send the request again."


class VendorRateLimited(VendorStatusError):
    changed = "no"

    def headline(self) -> str:
        return (
            f"{self.vendor} kept refusing requests as too many ({self.status}) when Steward tried to "
            f"{self.attempt.what}, after {self.attempts_made} attempt{'s' * (self.attempts_made != 1)}"
            f"{self.quoted()}."
        )

    def next_step(self) -> str:
        return "Try again in a minute."


class VendorServerError(VendorStatusError):
    changed = "unknown"

    def headline(self) -> str:
        return (
            f"{self.vendor} failed with {self.status_text} when Steward tried to "
            f"{self.attempt.what}{self.quoted()}."
        )

    def next_step(self) -> str:
        return f"Try again later; if it keeps failing, {self.vendor}'s administrators should look at it."


class VendorNoAnswer(VendorError):
    """No answer at all: the request may or may not have reached the vendor."""

    changed = "unknown"
    reason = "could not be reached"

    def __init__(self, vendor: str, attempt: Attempt, *, detail: str = "", credential: str = "") -> None:
        self.detail = detail
        super().__init__(vendor, attempt, credential=credential)

    def headline(self) -> str:
        tail = f" ({self.detail})" if self.detail else ""
        return f"{self.vendor} did not answer{tail} when Steward tried to {self.attempt.what}."

    def next_step(self) -> str:
        return (
            "Try again later; if it keeps failing, an operator should check that "
            f"{self.vendor} is up and reachable."
        )


class VendorTimeout(VendorNoAnswer):
    pass


class VendorUnreachable(VendorNoAnswer):
    def headline(self) -> str:
        tail = f" ({self.detail})" if self.detail else ""
        return f"Steward could not connect to {self.vendor}{tail} to {self.attempt.what}."


class VendorIgnored(VendorError):
    """The vendor answered success but did not make the change (and says nothing about it)."""

    def __init__(self, vendor: str, attempt: Attempt, *, detail: str, remedy: str) -> None:
        self.detail = detail
        self.remedy = remedy
        super().__init__(vendor, attempt)

    def headline(self) -> str:
        return f"{self.vendor} answered without an error but did not {self.attempt.what}: {self.detail}."

    def next_step(self) -> str:
        return self.remedy


class VendorBadResponse(VendorError):
    """An answer Steward could not read. A 2xx answer to a write means the write probably happened."""

    def __init__(self, vendor: str, attempt: Attempt, *, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(vendor, attempt)

    @property
    def changed(self) -> str:  # type: ignore[override]  # a property here, a class constant above
        return "unknown" if self.status < 400 else "no"

    def headline(self) -> str:
        return (
            f"{self.vendor} sent an answer Steward could not read ({self.status}, {self.detail}) "
            f"when Steward tried to {self.attempt.what}."
        )

    def next_step(self) -> str:
        return f"Try again later; if it keeps happening, check that the {self.vendor} URL points at its API."
