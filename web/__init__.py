"""The web front: the operator desk, the dispatcher's board, the wallboard, statistics, master
data admin and the JSON API (``/api/``, OpenAPI at ``/openapi.json``).

Where things live — a new feature adds modules of its own rather than growing shared ones:

``app.py``        ``create_app(WebDeps)``: includes the routers of ``auth``, every module of
                  ``api/`` and of ``pages/``; security headers; error pages
``deps.py``       ``WebDeps`` (what the composition root hands in) and the dependencies routes
                  share: the app state, the ticket number path, who may call a route
``api/``          the JSON API, one router module per resource (see ``web/api/__init__.py``)
``pages/``        the HTML pages, one router module per page family (see ``web/pages/__init__.py``)
``i18n/``         the pages' words in zh-CN and English, one catalog module per area
``auth.py``       log-in, log-out, lock-out; ``require`` / ``page_user`` check a permission
``security.py``   roles and ``PERMISSIONS``, session cookies, CSRF tokens, passwords, masking
``queries.py``    read-side queries the pages and the API share (lists, search, the board)
``masterdata.py`` the master data kinds an administrator edits, listing, edits, imports
``masterdata_view.py`` master data as the admin pages show it (names, yes/no, the edit form)
``export.py``     statistics as CSV and Excel, the trend by hour, day or month
``wallboard.py``  the wallboard's figures and its queue panel's data contract

Shared by every page (each says how to use it at its top): ``timefmt.py`` (one clock: times
in the center's zone), ``labels.py`` (codes → names), ``explain.py`` (the core's English →
the user's words), ``names.py`` (rooms, departments, workers by name), ``paging.py`` and
``templates/_macros.html`` (paged, filtered lists), ``ticket_actions.py`` (what a ticket
offers, from the lifecycle), ``static/app.js`` and ``static/charts.js`` (ECharts).
``feed.py``       ticket changes made anywhere reach the live pages; wallboard refresh
``live.py``       ``LiveHub``: screen pops and updates fanned out to the SSE clients
``linkpages.py``  the phone pages opened by a signed link (no log-in): reading the link, the
                  reader's language, forms with photos, the pages that say why a link fails
``linkviews.py``  what those pages show: a work order, a worker's list, a ticket's progress
``server.py``     running the app under uvicorn
``templates/``, ``static/``  jinja2 pages and their scripts and style (no CDN)
"""
