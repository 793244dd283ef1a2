"""The sandbox's one sample company, shared by the three sandbox vendors so that an e-mail
address means the same person everywhere, and the credentials that open each sandbox.

These credentials are fake by design: they open only the in-process sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "acme.test"

KAITEN_TOKEN = "5f1c2e7a-0b6d-4c3e-9a21-5ad3b0e1c0de"
ONLYOFFICE_USERNAME = f"steward@{DOMAIN}"
ONLYOFFICE_PASSWORD = "sandbox-onlyoffice-password"
ONLYOFFICE_TOKEN = "sandbox-onlyoffice-static-token"
#: A second ONLYOFFICE token, of a user who is not an admin (Boris Ivanov): the sandbox answers it
#: as the server answers a caller without the rights to edit other users.
ONLYOFFICE_USER_TOKEN = "sandbox-onlyoffice-user-token"
HUB_TOKEN = "perm:c3Rld2FyZA==.U3Rld2FyZA==.Yx3sandboxHubSecret0"


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    login: str
    vendors: frozenset[str]

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.login}@{DOMAIN}"

    @property
    def initials(self) -> str:
        return (self.first[:1] + self.last[:1]).upper()


K, OO, H = "kaiten", "onlyoffice", "hub"

PEOPLE: tuple[Person, ...] = (
    Person("Steward", "Service", "steward", frozenset({K, OO, H})),
    Person("Anna", "Petrova", "anna.petrova", frozenset({K, OO, H})),
    Person("Boris", "Ivanov", "boris.ivanov", frozenset({K, OO, H})),
    Person("Chen", "Wei", "chen.wei", frozenset({K, OO, H})),
    Person("Dana", "Kim", "dana.kim", frozenset({K, OO})),
    Person("Emil", "Novak", "emil.novak", frozenset({K, H})),
    Person("Farah", "Haddad", "farah.haddad", frozenset({K, OO, H})),
    Person("Gleb", "Orlov", "gleb.orlov", frozenset({K, OO})),
    Person("Hana", "Sato", "hana.sato", frozenset({OO, H})),
    Person("Ivan", "Smirnov", "ivan.smirnov", frozenset({K, H})),
    Person("Julia", "Meyer", "julia.meyer", frozenset({K, OO, H})),
    Person("Kofi", "Mensah", "kofi.mensah", frozenset({OO, H})),
    Person("Lena", "Berg", "lena.berg", frozenset({K, H})),
    Person("Mira", "Volkova", "mira.volkova", frozenset({K})),  # deactivated in Kaiten (kaiten_data)
    Person("Nadia", "Rahman", "nadia.rahman", frozenset({OO})),  # on leave in ONLYOFFICE (onlyoffice_data)
    Person("Oskar", "Lind", "oskar.lind", frozenset({OO})),  # from LDAP in ONLYOFFICE (onlyoffice_data)
)


def people(vendor: str) -> list[Person]:
    return [p for p in PEOPLE if vendor in p.vendors]
