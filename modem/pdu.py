"""SMS PDUs (3GPP TS 23.040) as hex strings: SUBMIT out, DELIVER and STATUS-REPORT in (pure).

Our own codec rather than the library's: its UCS-2 encoder crashes on characters outside the
BMP (``pdu.py:931``), its splitter counts code points, and its decoder returns lone
surrogates for emoji. The emulator uses the other direction of each function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from modem.encoding import GSM7_BASIC, GSM7_EXTENDED, Alphabet, septets, split_text

_EXT_REVERSE = {v: k for k, v in GSM7_EXTENDED.items()}
DCS = {"gsm7": 0x00, "ucs2": 0x08}


@dataclass(frozen=True)
class SubmitPdu:
    hex: str  # with the leading 00 (use the SMSC stored in the modem)
    tpdu_length: int  # what AT+CMGS=<length> / AT+CMGW=<length> wants
    part: int
    parts: int
    text: str


@dataclass(frozen=True)
class Decoded:
    kind: str  # submit | deliver | status_report
    number: str
    text: str = ""
    alphabet: Alphabet = "gsm7"
    reference: int = 0  # TP-MR
    concat: tuple[int, int, int] | None = None  # (ref, parts, seq)
    status_report_requested: bool = False
    reject_duplicates: bool = False
    timestamp: datetime | None = None
    status: int = 0  # TP-ST of a status report: 0x00–0x1F delivered, else not (yet)
    udh: bytes = b""
    extra: dict[str, object] = field(default_factory=dict)


# --- encoding ------------------------------------------------------------------------

def encode_address(number: str) -> bytes:
    """TP-DA/OA: digit count, type of address (0x91 international / 0x81 unknown), BCD."""
    intl = number.startswith("+")
    digits = number[1:] if intl else number
    if not digits.isdigit():
        raise ValueError(f"address must be digits: {number!r}")
    return bytes([len(digits), 0x91 if intl else 0x81]) + _bcd(digits)


def _bcd(digits: str) -> bytes:
    padded = digits + ("F" if len(digits) % 2 else "")
    return bytes(int(padded[i + 1] + padded[i], 16) for i in range(0, len(padded), 2))


def pack_septets(values: list[int], pad_bits: int = 0) -> bytes:
    acc = 0
    for i, v in enumerate(values):
        acc |= (v & 0x7F) << (pad_bits + 7 * i)
    nbytes = (pad_bits + 7 * len(values) + 7) // 8
    return acc.to_bytes(nbytes, "little") if nbytes else b""


def unpack_septets(data: bytes, count: int, pad_bits: int = 0) -> list[int]:
    acc = int.from_bytes(data, "little")
    return [(acc >> (pad_bits + 7 * i)) & 0x7F for i in range(count)]


def _user_data(text: str, alphabet: Alphabet, udh: bytes) -> tuple[int, bytes]:
    """(TP-UDL, TP-UD) with the header in front."""
    head = bytes([len(udh)]) + udh if udh else b""
    if alphabet == "ucs2":
        body = text.encode("utf-16-be")
        return len(head) + len(body), head + body
    values = septets(text)
    pad = (7 - (len(head) * 8) % 7) % 7 if head else 0
    head_septets = (len(head) * 8 + pad) // 7
    return head_septets + len(values), head + pack_septets(values, pad)


def encode_submit(number: str, text: str, tag: int = 0, concat_ref: int = 0,
                  status_report: bool = True) -> list[SubmitPdu]:
    """SMS-SUBMIT PDUs for ``text`` to an already normalised ``number``.

    ``tag`` goes into TP-MR (modems usually assign their own; ours makes a stored copy
    recognisable), ``concat_ref`` into the concatenation header. Deterministic: the same
    arguments always give the same PDUs, which is what lets a retry find its stored copy.
    """
    split = split_text(text)
    total = len(split.parts)
    out: list[SubmitPdu] = []
    for seq, part in enumerate(split.parts, start=1):
        udh = bytes([0x00, 0x03, concat_ref & 0xFF, total, seq]) if total > 1 else b""
        first = 0x01 | (0x20 if status_report else 0) | (0x40 if udh else 0)
        udl, ud = _user_data(part, split.alphabet, udh)
        tpdu = bytes([first, tag & 0xFF]) + encode_address(number) + bytes(
            [0x00, DCS[split.alphabet], udl]) + ud
        out.append(SubmitPdu("00" + tpdu.hex().upper(), len(tpdu), seq, total, part))
    return out


def encode_timestamp(when: datetime) -> bytes:
    """TP-SCTS: swapped-nibble BCD, time zone in quarter hours."""
    off = when.utcoffset() or timedelta(0)
    quarters = int(off.total_seconds() // 900)
    fields = [when.year % 100, when.month, when.day, when.hour, when.minute, when.second]
    raw = bytes(_swap(f"{v:02d}") for v in fields)
    tz = _swap(f"{abs(quarters):02d}") | (0x08 if quarters < 0 else 0)
    return raw + bytes([tz])


def _swap(two: str) -> int:
    return int(two[1] + two[0], 16)


def encode_deliver(sender: str, text: str, when: datetime, concat: tuple[int, int, int] | None = None,
                   alphabet: Alphabet | None = None) -> str:
    """An SMS-DELIVER PDU (hex, with a dummy SMSC) as the network hands it to the modem."""
    alpha = alphabet or split_text(text).alphabet
    udh = bytes([0x00, 0x03, *concat]) if concat else b""
    udl, ud = _user_data(text, alpha, udh)
    first = 0x04 | (0x40 if udh else 0)
    sca = _bcd("8613800100")
    smsc = bytes([len(sca) + 1, 0x91]) + sca
    body = bytes([first]) + encode_address(sender) + bytes([0x00, DCS[alpha]]) + encode_timestamp(when)
    return (smsc + body + bytes([udl]) + ud).hex().upper()


def encode_status_report(reference: int, recipient: str, sent: datetime, done: datetime,
                         status: int) -> tuple[str, int]:
    """An SMS-STATUS-REPORT PDU (hex, empty SMSC) and its TPDU length for ``+CDS: <len>``."""
    tpdu = bytes([0x06, reference & 0xFF]) + encode_address(recipient) + encode_timestamp(sent) + \
        encode_timestamp(done) + bytes([status & 0xFF])
    return "00" + tpdu.hex().upper(), len(tpdu)


# --- decoding ------------------------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("PDU truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]


def _read_address(r: _Reader) -> str:
    ndigits, toa = r.byte(), r.byte()
    raw = r.take((ndigits + 1) // 2)
    if (toa & 0x70) == 0x50:  # alphanumeric
        return _decode_gsm7(unpack_septets(raw, ndigits * 4 // 7))
    digits = "".join(f"{b & 0x0F:X}{b >> 4:X}" for b in raw)[:ndigits]
    return ("+" if (toa & 0x70) == 0x10 else "") + digits


def _read_timestamp(r: _Reader) -> datetime:
    raw = r.take(7)
    vals = [int(f"{b & 0x0F}{b >> 4}") for b in raw[:6]]
    tzb = raw[6]
    quarters = int(f"{tzb & 0x07}{tzb >> 4}") * (-1 if tzb & 0x08 else 1)
    tz = timezone(timedelta(minutes=15 * quarters))
    return datetime(2000 + vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], tzinfo=tz)


def _decode_gsm7(values: list[int]) -> str:
    out, escape = [], False
    for v in values:
        if escape:
            out.append(_EXT_REVERSE.get(v, " "))
            escape = False
        elif v == 0x1B:
            escape = True
        else:
            out.append(GSM7_BASIC[v])
    return "".join(out)


def _read_user_data(r: _Reader, dcs: int, udhi: bool) -> tuple[str, Alphabet, bytes]:
    udl = r.byte()
    rest = r.data[r.pos:]
    udh = rest[1:1 + rest[0]] if udhi and rest else b""
    head_len = 1 + len(udh) if udhi else 0
    if dcs & 0x0C == 0x08:
        return rest[head_len:udl].decode("utf-16-be", "replace"), "ucs2", udh
    pad = (7 - (head_len * 8) % 7) % 7 if head_len else 0
    head_septets = (head_len * 8 + pad) // 7
    values = unpack_septets(rest[head_len:], udl - head_septets, pad)
    return _decode_gsm7(values), "gsm7", udh


def _concat(udh: bytes) -> tuple[int, int, int] | None:
    i = 0
    while i + 1 < len(udh):
        iei, length = udh[i], udh[i + 1]
        data = udh[i + 2:i + 2 + length]
        if iei == 0x00 and length == 3:
            return data[0], data[1], data[2]
        if iei == 0x08 and length == 4:
            return (data[0] << 8) | data[1], data[2], data[3]
        i += 2 + length
    return None


def decode(pdu_hex: str, with_smsc: bool = True) -> Decoded:
    """Decode a SUBMIT, DELIVER or STATUS-REPORT PDU; raises ValueError on garbage."""
    try:
        r = _Reader(bytes.fromhex(pdu_hex.strip()))
    except ValueError as exc:
        raise ValueError(f"not hex: {pdu_hex[:40]!r}") from exc
    if with_smsc:
        r.take(r.byte())
    first = r.byte()
    mti = first & 0x03
    if mti == 0x01:
        return _decode_submit(r, first)
    if mti == 0x00:
        return _decode_deliver(r, first)
    if mti == 0x02:
        ref = r.byte()
        number = _read_address(r)
        sent, done = _read_timestamp(r), _read_timestamp(r)
        return Decoded("status_report", number, reference=ref, timestamp=done, status=r.byte(),
                       extra={"sent": sent})
    raise ValueError(f"unsupported PDU type {mti}")


def _decode_submit(r: _Reader, first: int) -> Decoded:
    ref = r.byte()
    number = _read_address(r)
    r.byte()  # PID
    dcs = r.byte()
    vpf = (first >> 3) & 0x03
    r.take({0: 0, 2: 1}.get(vpf, 7))
    text, alpha, udh = _read_user_data(r, dcs, bool(first & 0x40))
    return Decoded("submit", number, text, alpha, ref, _concat(udh), bool(first & 0x20),
                   bool(first & 0x04), udh=udh)


def _decode_deliver(r: _Reader, first: int) -> Decoded:
    number = _read_address(r)
    r.byte()  # PID
    dcs = r.byte()
    when = _read_timestamp(r)
    text, alpha, udh = _read_user_data(r, dcs, bool(first & 0x40))
    return Decoded("deliver", number, text, alpha, concat=_concat(udh), timestamp=when, udh=udh)


def utc(when: datetime) -> datetime:
    return when.astimezone(UTC)
