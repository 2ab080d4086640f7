"""What the web front needs from the rest of the center, and the dependencies its routes share.

``WebDeps`` is handed in by the composition root. The rest is what every router uses: the
app's state (``web_state``), the ticket number in a path (``TicketId``), and who is asking
with which permission. Each route names its permission in its signature through one of the
aliases below; what a permission allows (which roles have it) is ``web.security.PERMISSIONS``,
and ``web.api.route_permissions`` lists every /api/ route with its permission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Path, Request

from config.settings import Settings
from ticketing.outbox import PrintQueue, SmsOutbox, SurveyQueue
from ticketing.ports import Clock
from ticketing.service import TicketService
from ticketing.store import Store
from web.auth import CurrentUser, page_user, require
from web.idempotency import Once, once
from web.live import LiveHub

if TYPE_CHECKING:
    from web.app import WebState


@dataclass
class WebDeps:
    """Everything ``create_app`` uses. The optional callables are the adapters' windows:
    ``health`` → ``{"ami": {"state": "up"}, …}``, ``slip_preview(snapshot) -> html``,
    ``modem_status() -> dict``, ``printer_status() -> dict``."""

    settings: Settings
    store: Store
    service: TicketService
    clock: Clock
    sms_outbox: SmsOutbox
    print_queue: PrintQueue
    survey_queue: SurveyQueue
    hub: LiveHub = field(default_factory=LiveHub)
    health: Callable[[], dict[str, Any]] | None = None
    slip_preview: Callable[[dict[str, Any]], str] | None = None
    modem_status: Callable[[], dict[str, Any]] | None = None
    printer_status: Callable[[], dict[str, Any]] | None = None
    # the PBX, when the center has one: click-to-call, queue controls, live queue figures
    # (``web.api.telephony.Telephony``)
    telephony: Any | None = None
    # rooms' QR labels as an A4 PDF: (labels, center name, language) -> bytes (receipts/labels.py)
    label_pdf: Callable[[list[dict[str, Any]], str, str], bytes] | None = None
    # How often the change feed looks for ticket changes made outside the web process
    # (worker SMS replies, IVR self-service, time-limit sweeps) and the wallboard refresh.
    feed_interval_s: float = 1.0
    wallboard_interval_s: float = 5.0
    # How often an open event stream asks the store whether its session is still open (a
    # session ended in this process ends its streams at once), and how often expired
    # sessions, throttles and idempotency keys are swept.
    session_check_s: float = 30.0
    housekeeping_interval_s: float = 600.0


def web_state(request: Request) -> WebState:
    """The app's ``WebState`` (deps, signer, templates, time zone, change feed)."""
    return request.app.state.web


TicketId = Annotated[int, Path(ge=1, le=2_147_483_647, description="ticket number")]

# --- who may call an /api/ route: no session → 401, no permission → 403, no CSRF token → 403 --
Reader = Annotated[CurrentUser, Depends(require("read"))]
Own = Annotated[CurrentUser, Depends(require("session"))]  # one's own sessions
Desk = Annotated[CurrentUser, Depends(require("desk"))]
Writer = Annotated[CurrentUser, Depends(require("write"))]
Supervisor = Annotated[CurrentUser, Depends(require("supervise"))]
Exporter = Annotated[CurrentUser, Depends(require("export"))]
Admin = Annotated[CurrentUser, Depends(require("admin"))]
Storekeeper = Annotated[CurrentUser, Depends(require("stock"))]
Dialer = Annotated[CurrentUser, Depends(require("dial"))]
Listener = Annotated[CurrentUser, Depends(require("recordings"))]

# A state-changing ticket request's Idempotency-Key (``web.idempotency``): retries run once
Idempotent = Annotated[Once, Depends(once)]

# --- who may open a page: a stranger is sent to /login, no permission → 403 -------------------
ReadPage = Annotated[CurrentUser, Depends(page_user("read"))]
DeskPage = Annotated[CurrentUser, Depends(page_user("desk"))]
AdminPage = Annotated[CurrentUser, Depends(page_user("admin"))]
