"""What an emulated modem can be told to be: identity, SIM, network latency, storage sizes
and how it passes status reports to the host."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Settings:
    supports_cscs: bool = True
    latency_s: float = 0.0  # per submitted message
    pin: str = ""
    registered: bool = True
    signal: int = 21
    operator: str = "CHINA MOBILE"
    manufacturer: str = "OneStop"
    model: str = "EMU-900"
    imei: str = "867530900000001"
    imsi: str = "460001234567890"
    smsc: str = "+8613800100500"
    storage_size: int = 30
    auto_report: bool = True  # a status report for each SMS that asked for one
    report_delay_s: float = 0.01
    report_status: int = 0  # TP-ST: 0 delivered
    # How status reports reach the host (27.005 §3.4.1, +CNMI <ds>): "cds" follows <ds> (1: the
    # PDU at once as +CDS, 2: stored, announced as +CDSI); "cdsi" is a modem that can only
    # store them: <ds>=1 is refused, reports go to ``report_memory`` and +CDSI names the slot.
    report_mode: str = "cds"
    report_memory: str = "SR"  # "SR" (status report storage) or "SM" (with the messages)
    report_storage_size: int = 20
