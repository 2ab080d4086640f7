"""The core, wired from settings: the store, the ticket service and the outboxes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from config.settings import Settings
from ticketing.assessment.config import AssessmentConfig
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.costing import LabourRates
from ticketing.outbox import Backoff, PrintQueue, SmsOutbox, SurveyQueue
from ticketing.ports import Clock, Composer, SystemClock
from ticketing.service import ServiceOptions, TicketService
from ticketing.store import Store
from ticketing.tokens import Links, LinkSigner


@dataclass
class Core:
    settings: Settings
    store: Store
    clock: Clock
    catalog: Catalog
    calendar: BusinessCalendar
    service: TicketService
    sms_outbox: SmsOutbox
    print_queue: PrintQueue
    survey_queue: SurveyQueue

    def close(self) -> None:
        self.store.dispose()


def sms_composer(settings: Settings) -> Composer:
    """The SMS texts come from the modem adapter's jinja2 templates in config/sms/."""
    from modem.templates import SmsComposer

    return SmsComposer(default_language=settings.language)


def link_secret(settings: Settings) -> str:
    """``[web] link_secret``, else the web secret (generated once in the data dir when not
    set): every process of the center, and ``onestop qr labels``, signs with the same key."""
    if settings.web.link_secret:
        return settings.web.link_secret
    from web.security import load_secret

    return "link|" + load_secret(settings.web.secret_key, settings.resolved_data_dir())


def build_links(settings: Settings) -> Links:
    """The signed links the center hands out; the base URL is ``[web] base_url`` or, when not
    set, where the web part listens (``WebPart`` fills it in once it is bound)."""
    w = settings.web
    return Links(LinkSigner(link_secret(settings)),
                 base_url=w.base_url or f"http://{w.host}:{w.port}",
                 work_days=w.work_link_days, list_days=w.list_link_days,
                 status_days=w.status_link_days)


def build_core(settings: Settings, clock: Clock | None = None, composer: Composer | None = None,
               store: Store | None = None, upgrade: bool = True) -> Core:
    clock = clock or SystemClock()
    store = store or Store(settings.resolved_database_url())
    if upgrade:
        store.upgrade()
    store.start_checkpointer()
    catalog = Catalog.load(settings.resolved_catalog_file())
    calendar = BusinessCalendar.load(settings.resolved_calendar_file(), settings.timezone)
    default_printer = settings.printer.printers[0].name if settings.printer.printers else "desk"
    options = ServiceOptions(
        language=settings.language, center_name=settings.center_name,
        default_printer=default_printer,
        survey_enabled=settings.agi.enabled,
        survey_delay=timedelta(seconds=settings.agi.survey_delay_s),
        ack_calls=settings.telephony.ack_calls,
        ack_call_after=(timedelta(seconds=settings.telephony.ack_after_s)
                        if settings.telephony.ack_after_s else None),
        labour_rates=LabourRates.load(settings.resolved_labour_rates_file()),
        kitchen_printer=settings.printer.kitchen or default_printer,
        status_sms=settings.web.status_sms,
    )
    assessment = AssessmentConfig.load(settings.resolved_assessment_file())
    service = TicketService(store, clock, catalog, calendar, composer or sms_composer(settings), options,
                            assessment, links=build_links(settings))
    sms = SmsOutbox(store, clock, Backoff(base_s=settings.modem.retry_base_s, cap_s=600,
                                          max_attempts=settings.modem.max_attempts))
    prints = PrintQueue(store, clock, Backoff(base_s=settings.printer.retry_base_s, cap_s=120,
                                              max_attempts=settings.printer.max_attempts))
    surveys = SurveyQueue(store, clock, max_attempts=settings.agi.survey_max_attempts)
    return Core(settings, store, clock, catalog, calendar, service, sms, prints, surveys)
