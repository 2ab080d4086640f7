"""Webhooks over the API (administrators only): subscriptions (the secret is shown once, when
made or renewed), a test ``ping``, and the delivery log with each attempt's status code,
latency and error, from which a failed delivery is sent again."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from web.deps import Admin, web_state
from web.facilities import webhooks_of

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])

SubscriptionId = Annotated[int, Path(ge=1, le=2_147_483_647, description="the subscription's number")]
DeliveryId = Annotated[int, Path(ge=1, le=2**62, description="the delivery id receivers see")]


class SubscriptionIn(BaseModel):
    """A subscription: where (``url``), to what (``events``: ticket.created,
    ticket.status_changed, ticket.escalated, call.answered, call.abandoned) and signed with
    what (``secret``: 16 to 200 characters, or none to have one made); in what ``format`` (the
    signed JSON, or a chat bot's message in ``language``)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100)
    url: str = Field(max_length=500)
    events: list[Annotated[str, Field(max_length=40)]] = Field(max_length=10)
    secret: str | None = Field(None, max_length=200)
    active: bool = True
    personal: bool = Field(False, description="caller numbers unmasked in call events")
    format: Literal["generic", "wecom", "dingtalk", "dingtalk_text", "feishu", "feishu_text"] = Field(
        "generic", description="generic: the signed JSON; else a chat bot's message (the robot's URL;"
                               " ``secret``: the robot's signing secret, if it checks one)")
    language: Literal["zh-CN", "en"] = Field("zh-CN", description="a chat message's words")


class SubscriptionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=500)
    events: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=10)
    active: bool | None = None
    personal: bool | None = None
    new_secret: bool | None = Field(None, description="make a new secret (answered once)")
    secret: str | None = Field(None, max_length=200, description="set the secret (a robot's own; '' for none)")
    format: Literal["generic", "wecom", "dingtalk", "dingtalk_text", "feishu", "feishu_text"] | None = None
    language: Literal["zh-CN", "en"] | None = None


@router.get("/subscriptions")
def list_subscriptions(request: Request, user: Admin) -> list[dict[str, Any]]:
    """Every subscription, without its secret."""
    return webhooks_of(web_state(request)).subscriptions()


@router.post("/subscriptions", status_code=201)
def create_subscription(request: Request, body: SubscriptionIn, user: Admin) -> dict[str, Any]:
    """A subscription; the answer carries its secret, the only time it is shown."""
    return webhooks_of(web_state(request)).create(user.username, body.model_dump())


@router.patch("/subscriptions/{subscription_id}")
def change_subscription(request: Request, subscription_id: SubscriptionId, body: SubscriptionChange,
                        user: Admin) -> dict[str, Any]:
    """Change a subscription (``active: false`` holds its deliveries); audited."""
    return webhooks_of(web_state(request)).update(user.username, subscription_id,
                                                  body.model_dump(exclude_none=True))


@router.post("/subscriptions/{subscription_id}/ping", status_code=201)
def ping(request: Request, subscription_id: SubscriptionId, user: Admin) -> dict[str, Any]:
    """Send a ``ping`` event to the subscription's receiver now."""
    return {"delivery": webhooks_of(web_state(request)).ping(user.username, subscription_id)}


@router.get("/deliveries")
def deliveries(request: Request, user: Admin,
               subscription: Annotated[int, Query(ge=0, le=2_147_483_647)] = 0,
               status: Annotated[str, Query(pattern="^(|queued|sending|retry|delivered|failed)$")] = "",
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict[str, Any]:
    """The delivery log, newest first: status, attempts, the last status code, latency, error."""
    return webhooks_of(web_state(request)).deliveries(subscription or None, status, page)


@router.post("/deliveries/{delivery_id}/redeliver")
def redeliver(request: Request, delivery_id: DeliveryId, user: Admin) -> dict[str, Any]:
    """Send a delivery again (the same id), now."""
    webhooks_of(web_state(request)).redeliver(user.username, delivery_id)
    return {"delivery": delivery_id, "status": "queued"}
