"""One GSM modem behind OneStop's own interface: python-gsmmodem-new + pyserial, one owner.

A dedicated thread owns the serial port and runs every command from one queue: sends,
sweeps of the SIM, health checks and unsolicited result codes (URCs). Callers get futures.
Each guard exists because of a data-losing bug of python-gsmmodem-new 0.13 (modem/README.md
says which); ``Guards`` can switch one off so a test can show the bug.

The parts, in reading order:

- ``results``: what callers get — ``SendResult``, ``InboundSms``, ``DeliveryReport``,
  ``Health`` — and the errors (``PortGone``, ``SmsRejected``, ``SendAmbiguous``).
- ``owner``: ``ModemGateway`` — the public operations, the owner thread and its loop.
- ``journal``: sending exactly once through the SIM (``+CMGW``, ``+CMSS``, ``+CMGD``).
- ``reports``: status reports, pushed (``+CDS``) or stored (``+CDSI``).
- ``inbound``: received SMS — sweeps, concatenated parts, handing out.
- ``connection``: connecting, set-up, health, losing the port.
- ``library``: the library's reader and port with their guards (``Guards``).
- ``at``: what AT answers and URCs mean (pure).
"""

from modem.gateway.library import Guards
from modem.gateway.owner import ModemGateway
from modem.gateway.results import (
    DeliveryReport,
    GatewayError,
    Health,
    InboundSms,
    PortGone,
    SendAmbiguous,
    SendResult,
    SmsRejected,
)

__all__ = ["DeliveryReport", "GatewayError", "Guards", "Health", "InboundSms", "ModemGateway",
           "PortGone", "SendAmbiguous", "SendResult", "SmsRejected"]
