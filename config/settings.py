"""Settings: one typed object, read from a TOML file and then ``ONESTOP_*`` variables.

Precedence (last wins): defaults → the TOML file (``ONESTOP_CONFIG`` or ``--config``) →
environment. A top-level key ``database_url`` is ``ONESTOP_DATABASE_URL``; a key in a
section, e.g. ``[ami] host``, is ``ONESTOP_AMI_HOST``. Values are validated at start and
errors name the key and the fix.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONFIG_DIR = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("onestop", appauthor=False))


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class OperatorMap(Section):
    """One desk operator: the queue member interface Asterisk rings and the desk login."""

    interface: str  # e.g. "Local/101@agents/n"
    name: str = ""  # the queue member name Asterisk reports ("Operator Li")
    login: str = ""  # the desk user name
    extension: str = ""  # the operator's own phone for click-to-call; empty: from interface (101)

    def own_extension(self) -> str:
        """``extension``, else the digits of a ``Local/101@agents`` interface."""
        if self.extension:
            return self.extension
        head = self.interface.split("/", 1)[-1].split("@", 1)[0]
        return head if head.isdigit() else ""


class AmiSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "onestop"
    secret: str = ""
    hotline_context: str = "from-pstn"
    hotline_extensions: list[str] = Field(default_factory=lambda: ["6001"])
    heartbeat_s: float = 15.0
    action_timeout_s: float = 5.0
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    operators: list[OperatorMap] = Field(default_factory=list)


class AgiSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 4573
    menu_file: str = ""  # empty: the menu that ships in config/ivr_menu.toml
    # When the desk is staffed: "calendar" = the business calendar's hours (after them the IVR
    # offers self-service); "always" = around the clock (a 7×24 desk: never self-service)
    hours: Literal["calendar", "always"] = "calendar"
    survey_delay_s: float = 24 * 3600.0
    survey_quiet_start: str = "21:00"
    survey_quiet_end: str = "08:00"
    survey_max_per_hour: int = 30
    survey_max_attempts: int = 3
    survey_poll_s: float = Field(default=30.0, gt=0)  # how often due call-backs are looked for
    survey_context: str = "survey-out"
    campaign_context: str = "campaign-out"  # satisfaction campaigns' calls (AGI .../campaign)
    survey_trunk: str = "IAX2/pstn"


class TelephonySettings(Section):
    """Calls OneStop places and the desk's queue controls (Asterisk through AMI)."""

    queue: str = "hotline"  # the operators' queue: log in/out, pause, live figures
    # the acknowledgement call to a worker who has not answered a work order (service
    # catalog ack_call_after minutes); needs write=originate for the AMI user
    ack_calls: bool = True
    ack_trunk: str = ""  # Channel = <trunk>/<worker's mobile>; empty: agi.survey_trunk
    ack_context: str = "worker-out"
    ack_ring_s: float = Field(default=30.0, gt=0, le=120)
    ack_answer_wait_s: float = Field(default=120.0, gt=0)
    ack_poll_s: float = Field(default=5.0, gt=0)
    ack_caller_id: str = '"OneStop Hotline" <8000>'
    ack_after_s: float | None = Field(default=None, gt=0)  # replaces every type's delay (demo)
    # click-to-call: the operator's phone rings first, then the number; write=originate
    click_to_call: bool = True
    desk_context: str = "desk-out"
    desk_caller_id: str = '"OneStop Desk" <8000>'
    desk_ring_s: float = Field(default=20.0, gt=0, le=120)
    operator_channel: str = "Local/{extension}@agents"
    allow_international: bool = False  # numbers starting 00 or + (other than +86)
    allow_premium: bool = False  # 95xxx/96xxx service numbers, 1900…, 168…, 1xx short codes
    internal_pattern: str = r"[2-8]\d{2,4}"  # the hospital's internal extensions (a regex)
    # pause reasons the desk offers (codes; their names are in the desk's catalog)
    pause_reasons: list[str] = Field(default_factory=lambda: ["break", "lunch", "training", "meeting",
                                                                "after_call", "other"])
    service_level_s: int = Field(default=20, gt=0, le=600)  # answered within: the service level
    summary_poll_s: float = Field(default=5.0, gt=0)  # QueueSummary for the live figures
    wrapup_s: float = Field(default=5.0, ge=0)  # after-call time when Asterisk does not say it


class RecordingSettings(Section):
    """Hotline call recordings (MixMonitor on the PBX writes <uniqueid>.wav)."""

    enabled: bool = True
    dir: str = "/var/spool/asterisk/monitor"  # where OneStop reads them (a mount of the PBX's)
    retention_days: int = Field(default=180, ge=1)
    sweep_interval_s: float = Field(default=3600.0, gt=0)


class ModemPort(Section):
    name: str = "modem1"
    port: str = ""  # /dev/ttyUSB0; empty with emulate=true
    baudrate: int = 115200
    pin: str = ""
    max_per_minute: float = 8.0


class ModemSettings(Section):
    enabled: bool = True
    emulate: bool = False
    modems: list[ModemPort] = Field(default_factory=list)
    smsc: str = ""
    max_attempts: int = 5
    retry_base_s: float = 5.0
    accept_timeout_s: float = 600.0


class PrinterDef(Section):
    name: str = "desk"
    transport: Literal["tcp", "serial", "usb", "file", "dummy"] = "tcp"
    target: str = "127.0.0.1:9100"  # host:port, /dev/ttyS0, /dev/usb/lp0 or a directory
    encoding: Literal["gb18030", "gbk"] = "gb18030"
    paper_mm: Literal[58, 80] = 80
    columns: int = 48
    timeout_s: float = 5.0
    desks: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)


class PrinterSettings(Section):
    enabled: bool = True
    printers: list[PrinterDef] = Field(default_factory=lambda: [PrinterDef()])
    max_attempts: int = 20
    retry_base_s: float = 2.0
    kitchen: str = ""  # the printer of the kitchen's production summary (备餐单); "": the first


class WebSettings(Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str = ""  # empty: generated once and kept in the data dir
    base_url: str = ""  # used for QR codes on slips; empty: http://host:port
    # HTTPS deployments (TLS ends at a reverse proxy): the cookies' Secure flag, and the
    # Strict-Transport-Security header (browsers then refuse plain HTTP for hsts_days)
    cookie_secure: bool = False
    hsts: bool = False
    hsts_days: int = Field(default=365, ge=1, le=3650)
    # Addresses (or networks, "10.0.0.0/8") of reverse proxies whose X-Forwarded-For names the
    # client; from anyone else the header is ignored and the peer address is the client
    trusted_proxies: list[str] = Field(default_factory=list)
    # A log-in lasts at most session_hours, and ends after session_idle_minutes without a
    # request (an open desk or wallboard page counts as use)
    session_hours: float = Field(default=12.0, gt=0, le=24 * 31)
    session_idle_minutes: float = Field(default=60.0, gt=0)
    # Failed log-ins: after lockout_attempts from one address for one name, each further
    # attempt waits twice as long as the last (1 s, 2 s, 4 s… at most lockout_minutes);
    # address_attempts from one address (any names) and name_attempts for one name (any
    # addresses) start the same back-off
    lockout_attempts: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    address_attempts: int = Field(default=20, ge=1)
    name_attempts: int = Field(default=50, ge=1)
    # How long a retried request's first answer is kept (Idempotency-Key)
    idempotency_hours: float = Field(default=24.0, gt=0)

    # --- links and phone pages: room QR codes (扫码报修), the worker's page, the reporter's status
    link_secret: str = ""  # signs the links; empty: derived from secret_key (same key everywhere)
    work_link_days: int = Field(default=7, ge=1, le=90)  # a work-order link ends with its assignment anyway
    list_link_days: int = Field(default=30, ge=1, le=365)  # a worker's list of open orders
    status_link_days: int = Field(default=30, ge=1, le=365)  # a reporter's status page
    qr_reports_per_room_hour: int = Field(default=6, ge=1)  # reports one room's code may make an hour
    qr_reports_per_address_hour: int = Field(default=12, ge=1)  # … and one client address
    qr_verify_phone: bool = False  # a QR report needs the phone number confirmed by an SMS code
    qr_reporter_sms: bool = True  # a QR reporter with a mobile number gets the status link by SMS
    status_sms: bool = False  # so does every reporter with a mobile number (a caller too) on acceptance
    photo_max_mb: float = Field(default=8.0, gt=0, le=50)  # one uploaded photo, before re-encoding
    photo_retention_days: int = Field(default=365, ge=1)  # photos older than this are deleted

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an address or network "
                                 "(e.g. 127.0.0.1 or 10.0.0.0/8)") from None
        return entries


class MaintenanceSettings(Section):
    """Maintenance plans (ticketing/maintenance.py): when their tickets are made."""

    enabled: bool = True  # the sweep that makes plans' tickets (``onestop serve --no-maintenance``)
    create_time: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # local HH:MM
    sweep_s: float = Field(default=60.0, gt=0)  # how often due plans are looked for
    missed_after_min: float = Field(default=15.0, ge=0)  # a ready ticket not made by then: on the board

    def create_clock(self) -> time:
        hour, minute = self.create_time.split(":")
        return time(int(hour), int(minute))


class NoticeSettings(Section):
    """Outage notices (ticketing/notices.py)."""

    lead_hours: float = Field(default=24.0, ge=0, le=24 * 14)  # the SMS go out this long before the cut


class WebhookSettings(Section):
    """Webhooks (ticketing/webhooks.py, hooks/): reading events and sending them."""

    enabled: bool = True  # the feed reader and the sender (``onestop serve --no-webhooks``)
    poll_s: float = Field(default=1.0, gt=0)  # how often new events are looked for
    timeout_s: float = Field(default=10.0, gt=0)  # a receiver that takes longer: tried again later
    concurrency: int = Field(default=4, ge=1, le=64)
    max_attempts: int = Field(default=10, ge=1)
    retry_base_s: float = Field(default=10.0, gt=0)  # 10 s, 20 s, 40 s … up to retry_cap_s
    retry_cap_s: float = Field(default=3600.0, gt=0)
    lease_s: float = Field(default=60.0, gt=0)  # a sender that died: its deliveries go again after this


class Settings(Section):
    database_url: str = ""  # empty: sqlite:///<data_dir>/onestop.sqlite
    data_dir: str = ""
    language: Literal["zh-CN", "en"] = "zh-CN"
    timezone: str = "Asia/Shanghai"
    center_name: str = "一站式后勤服务中心"
    catalog_file: str = ""  # empty: config/service_catalog.toml
    calendar_file: str = ""  # empty: config/calendar.toml
    assessment_file: str = ""  # empty: config/assessment.toml (考核, requester SMS, campaigns)
    labour_rates_file: str = ""  # empty: config/labour_rates.toml (成本核算)
    ami: AmiSettings = Field(default_factory=AmiSettings)
    agi: AgiSettings = Field(default_factory=AgiSettings)
    modem: ModemSettings = Field(default_factory=ModemSettings)
    printer: PrinterSettings = Field(default_factory=PrinterSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    telephony: TelephonySettings = Field(default_factory=TelephonySettings)
    recordings: RecordingSettings = Field(default_factory=RecordingSettings)
    maintenance: MaintenanceSettings = Field(default_factory=MaintenanceSettings)
    notices: NoticeSettings = Field(default_factory=NoticeSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir) if self.data_dir else default_data_dir()

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir() / 'onestop.sqlite'}"

    def resolved_catalog_file(self) -> Path:
        return Path(self.catalog_file) if self.catalog_file else CONFIG_DIR / "service_catalog.toml"

    def resolved_calendar_file(self) -> Path:
        return Path(self.calendar_file) if self.calendar_file else CONFIG_DIR / "calendar.toml"

    def resolved_assessment_file(self) -> Path:
        return Path(self.assessment_file) if self.assessment_file else CONFIG_DIR / "assessment.toml"
    def resolved_labour_rates_file(self) -> Path:
        return Path(self.labour_rates_file) if self.labour_rates_file else CONFIG_DIR / "labour_rates.toml"


class SettingsError(ValueError):
    """Settings could not be read; the message names the key and the fix."""


_SECTIONS = {"ami", "agi", "modem", "printer", "web", "maintenance", "notices", "telephony", "recordings",
             "webhooks"}


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith("ONESTOP_") or key == "ONESTOP_CONFIG":
            continue
        name = key[len("ONESTOP_") :].lower()
        section, _, rest = name.partition("_")
        if section in _SECTIONS and rest:
            out.setdefault(section, {})[rest] = _env_value(value)
        elif name in Settings.model_fields:
            out[name] = _env_value(value)
    return out


def _env_value(value: str) -> Any:
    # Lists and tables may be given as JSON (ONESTOP_AMI_HOTLINE_EXTENSIONS='["6001"]').
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read settings from ``path`` (or ``ONESTOP_CONFIG``) and the environment."""
    env = dict(os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    file = path or env.get("ONESTOP_CONFIG")
    if file:
        try:
            data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SettingsError(f"settings file {file} not found: create it or unset ONESTOP_CONFIG") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"settings file {file} is not valid TOML: {exc}") from exc
    data = _merge(data, _env_overrides(env))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from exc


def _explain(exc: ValidationError) -> str:
    lines = ["invalid settings:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        env = "ONESTOP_" + "_".join(str(p) for p in err["loc"] if isinstance(p, str)).upper()
        lines.append(f"  {key}: {err['msg']} (set it in the settings file or as {env})")
    return "\n".join(lines)
