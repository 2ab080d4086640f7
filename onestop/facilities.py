"""The facilities parts of the center, built from the core and the settings: the sweep that
makes maintenance plans' tickets on their due dates."""

from __future__ import annotations

from datetime import timedelta

from onestop.core import Core
from onestop.runtime import Periodic
from ticketing.maintenance import Maintenance


def build_maintenance(core: Core) -> Maintenance:
    m = core.settings.maintenance
    return Maintenance(core.service, create_time=m.create_clock(),
                       missed_after=timedelta(minutes=m.missed_after_min))


def maintenance_part(core: Core) -> Periodic:
    """Every ``[maintenance] sweep_s``: each ready due date's ticket, once (several processes
    may run it: the store's (plan, due date) key keeps it to one)."""
    return Periodic("maintenance", build_maintenance(core).sweep, core.settings.maintenance.sweep_s)
