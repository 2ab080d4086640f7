"""A realistic sample hospital for the demo, tests and benchmarks (deterministic: seeded RNG).

- ``hospital``: one campus, seven buildings, 4,000 rooms, ~65 departments and wards, ~300
  staff in skilled teams, the phone directory (``build_hospital``: the whole sample as
  import records)
- ``supplies``: suppliers, ~2,000 spare parts and a week of menus
- ``write``: ``seed_hospital`` writes the sample through the imports' upsert (seeding twice
  changes nothing) and the desk log-ins
- ``history``: ``bulk_tickets`` writes a history of tickets (rows and the daily rollup) fast
  enough for a year of data
- ``lifecycles``: ``tickets_via_service``, a smaller history made through the real commands

Everything is importable from here, as before the split.
"""

from ticketing.seed.history import (
    TICKET_COLUMNS,
    TYPE_WEIGHTS,
    bulk_tickets,
    generate_tickets,
    write_rollup,
    write_tickets,
)
from ticketing.seed.hospital import (
    BUILDINGS,
    CAMPUS,
    CENTER,
    DEPARTMENTS,
    GIVEN,
    SEED,
    SPECIALTIES,
    SURNAMES,
    TEAMS,
    TZ,
    WARD_FLOORS,
    WARD_ROOMS,
    Hospital,
    build_hospital,
)
from ticketing.seed.lifecycles import SettableClock, tickets_via_service
from ticketing.seed.supplies import BRANDS, CUTOFFS, DISHES, PART_FAMILIES, SUPPLIER_NAMES
from ticketing.seed.write import DEMO_PASSWORD, DEMO_USERS, SeedReport, seed_hospital

__all__ = [
    "BRANDS", "BUILDINGS", "CAMPUS", "CENTER", "CUTOFFS", "DEMO_PASSWORD", "DEMO_USERS",
    "DEPARTMENTS", "DISHES", "GIVEN", "PART_FAMILIES", "SEED", "SPECIALTIES", "SUPPLIER_NAMES",
    "SURNAMES", "TEAMS", "TICKET_COLUMNS", "TYPE_WEIGHTS", "TZ", "WARD_FLOORS", "WARD_ROOMS",
    "Hospital", "SeedReport", "SettableClock", "bulk_tickets", "build_hospital",
    "generate_tickets", "seed_hospital", "tickets_via_service", "write_rollup", "write_tickets",
]
