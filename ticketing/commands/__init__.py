"""The ticket commands, one module per capability; ``ticketing.service.TicketService`` is
their front door (one method per command, each one transaction).

- ``intake``: accept (受理), edit, link a call; the checked fields of forms (meal, cleaning)
- ``dispatch``: dispatch (派发) and the worker's steps — accept (接单), start (承办),
  complete (办结, parts used), release (cannot do) —, reprint, resend; worker suggestions
- ``replies``: a worker's or ward head's SMS reply, stored once and acted on if allowed
- ``closing``: call-back (回访), assessment (考核), cancel, reopen, merge; the survey call
- ``escalation``: the overdue sweep and escalation by hand
- ``approval``: the ward head's approval of a meal order
- shared by all: ``base`` (inputs, outputs, errors, options, the handlers' context),
  ``rows`` (loading and stepping rows), ``outbound`` (SMS and print jobs, the data they carry)

A handler takes the context (``base.CommandContext``) and the command's transaction
(``ticketing.tx.Tx``) and returns the ticket's row (or the command's own result); the facade
opens the transaction and hands out a ``ticketing.views.TicketView``. Handlers call each other
as plain functions, so the imports at the top of a module say which capabilities it uses.
"""
