"""The pages the browser tests walk (``tests.web.test_pages``), listed once: a new page joins
every check — both languages, each of its sizes, raw codes, layout, errors — by a line in
``PAGES``; ``DOC_PAGES`` are those ``make screenshots`` writes to docs/screenshots/ for the
README's tour."""

from __future__ import annotations

from dataclasses import dataclass

DOC_PAGES = ("login", "desk-pop", "desk-ticket-dispatched", "ticket-dispatched", "board", "wallboard",
             "stats", "stats-one-day", "admin-locations", "admin-users", "history-staff",
             "admin-import-report", "error-403", "stock", "stock-supplier", "kitchen", "escort", "maintenance",
             "maintenance-round", "notice", "stats-cost", "stats-meals", "admin-qr",
             "phone-room", "phone-work-order", "phone-status")

DESK_SIZES = ((1366, 768), (1920, 1080))
PHONE_SIZES = ((390, 844),)


@dataclass(frozen=True)
class Page:
    """One page the walk opens and checks. ``path`` may name a showcase ticket of ``world.py``
    as ``{dispatched}``, ``{merged}``, ``{meal_pending}``… (``World.tickets``'s keys); ``user``
    logs in first (None: nobody); ``sizes``: the viewports it is checked at (phone pages:
    ``PHONE_SIZES``); the services' pages' keys and links are ``World.paths``'s (``{round}``,
    ``{work_link}``…); ``max_screens``: how tall it may be, in screens; ``ready``: the page sets
    ``body[data-ready]`` when its scripts are done (wait for it)."""

    name: str
    path: str
    user: str | None = "admin"
    sizes: tuple[tuple[int, int], ...] = DESK_SIZES
    max_screens: float = 4.0
    ready: bool = True


# Every page a person opens, checked in both languages at each of its sizes. A new page joins
# the checks by a line here (the desk's panels, the forms and the error pages are walked by the
# tests below, as they need clicks).
PAGES: tuple[Page, ...] = (
    Page("ticket-dispatched", "/desk/tickets/{dispatched}"),
    Page("ticket-merged", "/desk/tickets/{merged}"),
    Page("ticket-meal", "/desk/tickets/{meal_pending}"),
    Page("board", "/board"),
    Page("board-filtered", "/board?team=T03&busy=1"),
    Page("stats", "/stats"),
    Page("stats-location", "/stats?group_by=location"),
    Page("stats-one-day", "/stats?first=2026-11-23&last=2026-11-23&group_by=worker"),
    Page("stats-year", "/stats?first=2025-11-24&last=2026-11-23&group_by=department"),
    *(Page(f"admin-{k}", f"/admin?kind={k}") for k in
      ("locations", "org_units", "staff", "phones", "parts", "suppliers", "menus", "users")),
    Page("admin-locations-page-9", "/admin?kind=locations&page=9"),
    Page("history-user", "/admin/users/admin/history"),
    Page("history-staff", "/admin/staff/T01-01/history"),
    Page("wallboard", "/wallboard", max_screens=1.0),
    Page("admin-equipment", "/admin?kind=equipment"),
    Page("admin-qr", "/admin/qr"),
    Page("admin-webhooks", "/admin/webhooks"),
    # the services' pages (world_services stages their morning)
    Page("stock", "/stock"),
    Page("stock-parts", "/stock?tab=parts"),
    Page("stock-suppliers", "/stock?tab=suppliers"),
    Page("stock-documents", "/stock?tab=documents"),
    Page("stock-document", "/stock/documents/{stock_doc}"),
    Page("stock-part", "/stock/parts/{part}"),
    Page("stock-supplier", "/stock/suppliers/{supplier}"),
    Page("kitchen", "/kitchen"),
    Page("escort", "/escort"),
    Page("maintenance", "/maintenance"),
    Page("maintenance-plan", "/maintenance/plans/{plan}"),
    Page("maintenance-round", "/maintenance/rounds/{round}"),
    Page("notices", "/notices"),
    Page("notice", "/notices/{notice}"),
    Page("stats-cost", "/stats/cost"),
    Page("stats-meals", "/stats/meals"),
    Page("stats-escort", "/stats/escort"),
    # 考核
    Page("assessment", "/stats/assessment"),
    Page("assessment-teams", "/stats/assessment?level=team"),
    Page("complaints", "/complaints?state=all"),
    Page("complaint", "/complaints/{complaint}"),
    Page("campaigns", "/campaigns"),
    Page("campaign", "/campaigns/{campaign}"),
    Page("assessment-grade", "/assessment/grade", user="lead"),
    Page("my-cases", "/desk/mine", user="li"),
    # the phone pages, opened from a signed link without a log-in
    Page("phone-room", "{room_link}", user=None, sizes=PHONE_SIZES, ready=False),
    Page("phone-work-order", "{work_link}", user=None, sizes=PHONE_SIZES, ready=False),
    Page("phone-round", "{round_link}", user=None, sizes=PHONE_SIZES, ready=False),
    Page("phone-status", "{status_link}", user=None, sizes=PHONE_SIZES, ready=False),
    Page("phone-list", "{list_link}", user=None, sizes=PHONE_SIZES, ready=False),
)
