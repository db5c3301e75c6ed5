from typing import Annotated

from django.core.paginator import Paginator
from ninja import Router
from pydantic import Field

from dryneedle.accounts.request import ClinicRequest
from dryneedle.directory import services
from dryneedle.directory.schemas import Condition, DirectoryPage, Profession
from dryneedle.lib.schemas import Error, limits

# Routes by the resource their address starts with; dryneedle/api.py mounts each under it.
directory_routes = Router(tags=["directory"])
ROUTERS = {"directory": directory_routes}


@directory_routes.get("", auth=None, response={200: DirectoryPage, 422: Error}, operation_id="search_directory")
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
