"""Webhook delivery: the adapter that takes the core's webhook deliveries (an outbox) and POSTs
them, HMAC-signed, to the subscribers' URLs with httpx.

``signing`` (pure): the body and its headers, the signature and its check (receivers may use it
as their reference); ``chat`` (pure): the chat bots' formats (WeCom, DingTalk, Feishu), their
signatures and how their answers say no; ``sender``: the loop that claims, sends and records; ``ports``: what it
needs from the core (``ticketing.webhooks.Webhooks``), with an in-memory fake in ``fakes``.
"""
