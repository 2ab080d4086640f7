"""The text of AMI values as Asterisk sends it: the encoding of one message's bytes (UTF-8,
else GB18030 value by value) and Asterisk's C escapes of caller-ID names. Pure functions; the
parser (``cti/protocol.py``) calls them only for the messages that need them."""

from __future__ import annotations

import re

__all__ = ["ESCAPABLE_KEYS", "GB18030", "REPLACED", "UTF8", "decode_message", "escape_c",
           "escaped_header", "unescape_c"]

# --- Asterisk's C escapes ------------------------------------------------------------------
# ``ast_escape_c`` (main/utils.c) writes these eleven characters as a backslash and a letter;
# every other byte passes as it is (a GBK name's bytes too, 0x5C trail bytes escaped alone).
_C_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              "\\": "\\", "'": "'", '"': '"', "?": "?"}
_C_ESCAPED = {v: "\\" + k for k, v in _C_ESCAPES.items()}
_C_UNESCAPE = re.compile(r"\\([abfnrtv\\'\"?])")
_C_UNESCAPE_BYTES = re.compile(rb"\\([abfnrtv\\'\"?])")
_C_TO_ESCAPE = re.compile("[" + re.escape("".join(_C_ESCAPED)) + "]")
# The channel fields ``ast_manager_build_channel_state_string_prefix`` escapes, under any
# prefix (``DestCallerIDName``, ``LocalTwoConnectedLineName``…). Events that write a caller
# name themselves send it as it is: ``OriginateResponse`` (seen in the recorded traffic) and
# ``QueueEntry`` (app_queue's QueueStatus list).
_ESCAPED_SUFFIXES = ("CallerIDName", "ConnectedLineName")
ESCAPABLE_KEYS = (*_ESCAPED_SUFFIXES, "Value")  # a key that may be escaped in some event
_UNESCAPED_EVENTS = frozenset({"", "OriginateResponse", "QueueEntry"})


def escaped_header(event: str, key: str) -> bool:
    """Whether Asterisk C-escapes header ``key`` of event ``event`` ("" for a response)."""
    if key.endswith(_ESCAPED_SUFFIXES):
        return event not in _UNESCAPED_EVENTS
    return key == "Value" and event == "VarSet"  # varset_to_ami escapes the value


def unescape_c(value: str) -> str:
    """Undo ``ast_escape_c``: ``O\\'Brien 3B\\?`` → ``O'Brien 3B?``; a backslash before any
    other character stays as it is."""
    if "\\" not in value:
        return value
    return _C_UNESCAPE.sub(lambda m: _C_ESCAPES[m.group(1)], value)


def escape_c(value: str) -> str:
    """What ``ast_escape_c`` makes of ``value`` (the replay server writes names so)."""
    return _C_TO_ESCAPE.sub(lambda m: _C_ESCAPED[m.group(0)], value)


def _unescape_c_bytes(value: bytes) -> bytes:
    return _C_UNESCAPE_BYTES.sub(lambda m: _C_ESCAPES[m.group(1).decode()].encode(), value)


# --- decoding ------------------------------------------------------------------------------
UTF8, GB18030, REPLACED = 0, 1, 2  # how a message was decoded, best first


def decode_message(part: bytes) -> tuple[str, int]:
    """One message's bytes (``\\n`` line ends) → text, and how: ``UTF8`` (all of it),
    ``GB18030`` (some line was GB18030: a GBK caller name), ``REPLACED`` (some line was
    neither; its bad bytes became U+FFFD).

    Line by line when the whole is not UTF-8, so one header's encoding never touches
    another's. An escaped header (``escaped_header``) in GB18030 is unescaped *before* it is
    decoded, as Asterisk escaped its bytes (a 0x5C trail byte came as ``\\\\``), and escaped
    again as text, so ``Message.text`` stays in the form Asterisk sent."""
    try:
        return part.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    event = ""
    if part.startswith(b"Event: "):
        end = part.find(b"\n")
        event = (part[7:] if end < 0 else part[7:end]).decode("utf-8", "replace").rstrip("\r")
    lines: list[str] = []
    how = UTF8
    for line in part.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        key, sep, value = line.partition(b": ")
        if sep and b"\\" in value and key.isascii() and escaped_header(event, key.decode()):
            try:
                text = escape_c(_unescape_c_bytes(value).decode("gb18030"))
                lines.append(key.decode() + ": " + text)
                how = max(how, GB18030)
                continue
            except UnicodeDecodeError:
                pass
        try:
            lines.append(line.decode("gb18030"))
            how = max(how, GB18030)
        except UnicodeDecodeError:
            lines.append(line.decode("utf-8", "replace"))
            how = REPLACED
    return "\n".join(lines), how
