"""The core's errors are the user's to fix: 404 for a ticket that does not exist, 409 for a
step the lifecycle does not allow, 400 for the rest — never a 500."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from ticketing.catalog import CatalogError
from ticketing.lifecycle import IllegalTransition
from ticketing.service import TicketError, TicketNotFound


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TicketNotFound)
    async def _not_found(_r: Request, exc: TicketNotFound) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(IllegalTransition)
    async def _illegal(_r: Request, exc: IllegalTransition) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(TicketError)
    async def _ticket_error(_r: Request, exc: TicketError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(CatalogError)
    async def _catalog(_r: Request, exc: CatalogError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=400)
