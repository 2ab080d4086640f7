"""Masking caller and worker numbers for roles that must not see them (viewers): the one
function every boundary uses — API answers, pages, exports, event streams, the slip preview.
The rules (what counts as a number in a field and in free text) are the core's,
``ticketing.masking``, which webhooks use too."""

from __future__ import annotations

from ticketing.masking import MIN_DIGITS, looks_like_number, mask_number, mask_text, redact

__all__ = ["MIN_DIGITS", "looks_like_number", "mask_number", "mask_text", "redact"]
