"""The photos of a ticket — brought by a report from a room's QR code or by a worker's
completion — for the desk's roles (not viewers: a photo may show a patient or a room's
contents). The files are JPEGs re-encoded without EXIF (``ticketing.photos``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response

from web import linkviews
from web.deps import Desk, TicketId, web_state
from web.linkpages import photo_store

router = APIRouter(prefix="/api", tags=["photos"])

PhotoId = Annotated[int, Path(ge=1, le=2_147_483_647, description="photo id")]


def photo_list(web: Any, ticket_id: int) -> list[dict[str, Any]]:
    with web.deps.store.reading() as s:
        return [{"id": p["id"], "stage": p["stage"], "by": p["by"], "at": p["at"].isoformat(),
                 "width": p["width"], "height": p["height"],
                 "url": f"/api/photos/{p['id']}", "thumb": f"/api/photos/{p['id']}/thumb"}
                for p in linkviews.photos_of(s, ticket_id)]


@router.get("/tickets/{ticket_id}/photos")
def ticket_photos(request: Request, ticket_id: TicketId, user: Desk) -> list[dict[str, Any]]:
    """The ticket's photos: stage (report | done), who, when, and their URLs."""
    return photo_list(web_state(request), ticket_id)


def _photo(request: Request, photo_id: int, thumb: bool) -> Response:
    web = web_state(request)
    with web.deps.store.reading() as s:
        p = linkviews.photo_row(s, photo_id)
        sha = p.sha256 if p is not None else ""
    data = photo_store(request).read(sha, thumb) if sha else None
    if data is None:
        raise HTTPException(404, f"no photo {photo_id}")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.get("/photos/{photo_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def photo(request: Request, photo_id: PhotoId, user: Desk) -> Response:
    """One photo (JPEG, at most 2048 pixels a side)."""
    return _photo(request, photo_id, False)


@router.get("/photos/{photo_id}/thumb", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def photo_thumb(request: Request, photo_id: PhotoId, user: Desk) -> Response:
    """Its thumbnail (320 pixels a side)."""
    return _photo(request, photo_id, True)
