"""The HTML pages. Each page renders its first view on the server (fast, readable without
JavaScript) and the page's script (``web/static/``) keeps it live from /api/ and the SSE stream.

One module per page family, each with its own ``router`` (not in the OpenAPI document);
``web.app.create_app`` includes every module of this package that has one, in name order:

==========  ==================================================================================
``account`` the user's own settings (the header's language switch)
``desk``    ``/`` (the landing page per role), the operator desk, the ticket page
``board``   the dispatcher's board and the wallboard (大屏), with the parts they refresh
``stats``   statistics with ECharts charts and the export links
``admin``   master data and log-in accounts: lists, edits, imports, history (administrators only)
``assessment``  考核 under statistics (rankings, trend, owners, the report) and the leads' grading
``complaints``  投诉建议: the list and one complaint's record and steps
``campaigns``   满意度调查: campaigns, one campaign's results, the opt-out list
``mine``    首问负责: the operator's own cases, their notices, handover
``labels``  the rooms' QR labels and the workers' links (administrators only)
``mobile``  扫码报修 (``/r/<token>``) and the reporter's status page (``/s/<token>``): public,
            opened by a signed link (``web.linkpages``; ``web.api.TOKEN_ROUTES``)
``worker``  the worker's page of a work order (``/w/<token>``) and list (``/l/<token>``): likewise
==========  ==================================================================================

Pages name their permission with ``web.deps``' ``ReadPage``, ``DeskPage`` or ``AdminPage``;
a stranger is sent to /login — except the link pages, whose token is their credential. Templates are in ``web/templates/``, words in ``web/i18n/``.
"""

from __future__ import annotations

from typing import Any


def service_types(web: Any, language: str) -> list[tuple[str, str]]:
    """(key, name in ``language``) of every service type in the catalog, in catalog order."""
    return [(k, st.name(language)) for k, st in web.deps.service.catalog.types.items()]
