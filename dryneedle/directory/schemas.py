"""The directory API's request and response shapes (api.py holds the operations)."""

from typing import TYPE_CHECKING, Literal

from ninja import Schema

from dryneedle.patients.conditions import CONDITIONS
from dryneedle.practitioners.models import Credential

# The choices come from the catalogue at run time (an enum in the OpenAPI schema);
# to the type checker they are text.
if TYPE_CHECKING:
    Profession = str
    Condition = str
else:
    Profession = Literal[tuple(k for k, _ in Credential.Profession.choices)]
    Condition = Literal[tuple(c.code for c in CONDITIONS)]


class ListingOut(Schema):
    slug: str
    name: str
    profession: str
    clinic: str
    city: str
    languages: str
    url: str


class DirectoryPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ListingOut]
