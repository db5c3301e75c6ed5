from typing import TYPE_CHECKING, Annotated, Literal

from django.core.paginator import Paginator
from ninja import Router, Schema
from pydantic import Field

from dryneedle.accounts.request import ClinicRequest
from dryneedle.directory import services
from dryneedle.lib.schemas import Error, limits
from dryneedle.patients.conditions import CONDITIONS
from dryneedle.practitioners.models import Credential

router = Router(tags=["directory"])
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


@router.get("directory", auth=None, response={200: DirectoryPage, 422: Error}, operation_id="search_directory")
def search_directory(
    request: ClinicRequest,
    place: Annotated[str, limits(100)] = "",
    profession: Profession | None = None,
    language: Annotated[str, limits(40)] = "",
    condition: Condition | None = None,
    page: Annotated[int, Field(ge=1, le=10000)] = 1,
):
    """The public directory (no login): listed practitioners who may needle, 10 a page. Nothing about patients."""
    qs = services.search(place, profession or "", language, condition or "")
    p = Paginator(qs, services.PAGE_SIZE)
    got = p.get_page(page)
    return {
        "count": p.count,
        "page": got.number,
        "pages": p.num_pages,
        "results": [
            {
                "slug": x.slug,
                "name": x.user.display_name(),
                "profession": x.profession,
                "clinic": x.clinic.name,
                "city": x.city,
                "languages": x.languages,
                "url": request.build_absolute_uri(f"/directory/{x.slug}/"),
            }
            for x in got
        ],
    }
