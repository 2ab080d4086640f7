"""The kitchen's production summary (备餐单), printed once per meal and day at its cut-off.

``print_due_summaries`` (run by the center every half minute, like the overdue sweep) looks at
today's menus: for each meal whose cut-off has passed and that has no summary yet, one
transaction claims the meal's row in ``kitchen_run`` — unique per (menu day, meal), inserted
with ``ON CONFLICT DO NOTHING`` — and only the transaction that inserted it builds the
summary, queues its print job on the kitchen printer and audits it. A restart, or a second
``serve`` process sweeping at the same moment, finds the row taken and prints nothing: the
summary prints exactly once. ``reprint_summary`` prints the same summary again, audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ticketing.audit import audit
from ticketing.commands.base import KITCHEN_RUN, PRINT_JOB, CommandContext, TicketError
from ticketing.kitchen import meal_tickets, meals_of_day, org_names, summary
from ticketing.tx import Record, Tx


def print_due_summaries(ctx: CommandContext) -> list[tuple[date, str]]:
    """Print the summary of every meal of today whose cut-off has passed, once each; returns
    the meals printed by this call."""
    now = ctx.clock.now()
    tz = ctx.calendar.tz
    today = now.astimezone(tz).date()
    with ctx.tx() as tx:
        due = [m for m in meals_of_day(tx.session, today, tz) if m.cutoff is not None and m.cutoff <= now]
        if not due:
            return []
        done = {meal for (meal,) in tx.all("SELECT meal FROM kitchen_run WHERE menu_date = ?",
                                           (today if tx.pg else today.isoformat(),))}
    printed = []
    for m in due:
        if m.meal in done:
            continue
        with ctx.tx() as tx:
            if make_summary(ctx, tx, today, m.meal, m.cutoff or now) is not None:
                printed.append((today, m.meal))
    return printed


def make_summary(ctx: CommandContext, tx: Tx, day: date, meal: str, cutoff: datetime) -> Record | None:
    """Claim (day, meal) and print its summary; None when it was claimed before."""
    now = tx.now
    claimed = tx.run("INSERT INTO kitchen_run (menu_date, meal, cutoff_at, created_at, summary)"
                     " VALUES (?, ?, ?, ?, '{}') ON CONFLICT (menu_date, meal) DO NOTHING",
                     (day if tx.pg else day.isoformat(), meal, tx.at(cutoff), tx.at(now)))
    if claimed != 1:
        return None
    run = tx.record(KITCHEN_RUN, "menu_date = ? AND meal = ?", (day if tx.pg else day.isoformat(), meal))
    assert run is not None
    tz = ctx.calendar.tz
    snapshot = {**summary(meal_tickets(tx.session, ctx.catalog, day, day, tz), day, meal, tz,
                          org_names(tx.session, ctx.options.language)),
                "language": ctx.options.language, "center_name": ctx.options.center_name,
                "cutoff_at": cutoff.astimezone(UTC).isoformat(), "made_at": now.isoformat()}
    printer = ctx.options.kitchen_printer or ctx.options.default_printer
    run.print_job_id = _print(ctx, tx, printer, snapshot)
    run.summary = snapshot
    audit(tx, now, "system", "kitchen_run", f"{day.isoformat()}:{meal}", "prep_summary", None,
          {"orders": snapshot["orders"], "portions": snapshot["portions"], "printer": printer,
           "print_job": run.print_job_id, "pending": snapshot["pending"]["orders"]})
    return run


def reprint_summary(ctx: CommandContext, tx: Tx, actor: str, day: date, meal: str,
                    printer: str | None = None) -> int:
    """The meal's summary as it was printed at the cut-off, printed again; returns the job id."""
    run = tx.record(KITCHEN_RUN, "menu_date = ? AND meal = ?", (day if tx.pg else day.isoformat(), meal))
    if run is None:
        raise TicketError(f"no production summary for {meal} on {day.isoformat()} yet: it prints at the cut-off")
    name = printer or ctx.options.kitchen_printer or ctx.options.default_printer
    job = _print(ctx, tx, name, dict(run.summary))
    audit(tx, tx.now, actor, "kitchen_run", f"{day.isoformat()}:{meal}", "reprint", None,
          {"printer": name, "print_job": job})
    return job


def _print(ctx: CommandContext, tx: Tx, printer: str, snapshot: dict[str, Any]) -> int:
    now = tx.now
    return tx.insert(PRINT_JOB, {"ticket_id": None, "printer": printer, "kind": "prep",
                                 "language": ctx.options.language, "snapshot": snapshot, "status": "queued",
                                 "attempts": 0, "due_at": now, "created_at": now, "error": ""})

