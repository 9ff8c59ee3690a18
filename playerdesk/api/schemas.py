"""Request and response shapes of the REST API (they are also its OpenAPI description)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

LanguageCode = Literal["en", "fr"]
ChannelCode = Literal["email", "chat", "web", "api", "phone"]
CategoryCode = Literal[
    "account", "payments", "verification", "bonus", "technical", "responsible_gambling", "general"
]
StatusCode = Literal["new", "open", "waiting_player", "waiting_third_party", "solved", "closed"]
MessageKindIn = Literal["inbound", "reply", "note"]


class StrictIn(Schema):
    """Input bodies refuse unknown fields, so a misspelt field is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class TicketIn(StrictIn):
    subject: str = Field(..., max_length=255, description="One line, at most 255 characters.")
    body: str = Field(..., description="The player's first message, plain text.")
    email: str = Field(..., max_length=254, description="The player's email address.")
    name: str = Field("", max_length=120)
    language: LanguageCode | None = Field(None, description="Defaults to the player's locale, else en.")
    channel: ChannelCode = "api"
    category: CategoryCode | None = Field(None, description="Left out: decided by triage.")
    priority: int | None = Field(None, ge=1, le=4, description="1 (urgent) to 4 (low); left out: triage.")
    player_external_id: str | None = Field(
        None, max_length=64, description="The player's id on the operator platform (a known player)."
    )
    external_id: str | None = Field(
        None,
        max_length=255,
        description="Your id for this message: sending the same one again returns the existing case.",
    )
    acknowledge: bool = Field(False, description="Email the player an acknowledgement with a case link.")


class MessageIn(StrictIn):
    body: str
    kind: MessageKindIn | None = Field(
        None,
        description="inbound (the player wrote; default for service tokens), reply or note (agent tokens; "
        "reply is their default).",
    )
    external_id: str | None = Field(
        None, max_length=255, description="Inbound only: your id for the message, for safe retries."
    )


class StatusIn(StrictIn):
    status: StatusCode
    reason: str = Field("", max_length=500)


class TicketChangeIn(StrictIn):
    team: str | None = Field(
        None, max_length=50, description="A team slug, or 'none' to leave the case without a team."
    )
    priority: int | None = Field(None, ge=1, le=4, description="1 (urgent) to 4 (low).")
    category: CategoryCode | None = None
    assignee: str | None = Field(
        None, max_length=150, description="An agent's username, or 'none' to unassign the case."
    )
    reason: str = Field("", max_length=500, description="Why, for the case's timeline.")


class TicketFilters(Schema):
    status: str | None = Field(None, max_length=200, description="One status or several, comma-separated.")
    team: str | None = Field(None, max_length=50, description="A team slug, or 'none' for unrouted cases.")
    category: CategoryCode | None = None
    priority: int | None = Field(None, ge=1, le=4)
    assignee: str | None = Field(
        None, max_length=150, description="A username, 'me' (the token's agent) or 'none'."
    )
    q: str | None = Field(None, max_length=200, description="Reference, email, player id or words.")
    cursor: str | None = Field(None, max_length=500, description="next_cursor of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class RequesterOut(Schema):
    email: str
    name: str
    player_external_id: str | None


class MessageOut(Schema):
    id: int
    kind: Literal["inbound", "outbound", "note"]
    author: str
    body: str
    created_at: datetime
    channel: str


class TicketSummaryOut(Schema):
    reference: str
    subject: str
    status: str
    channel: str
    language: str
    category: str
    priority: int
    team: str | None
    assignee: str | None
    requester: RequesterOut
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    tags: list[str]
    linked_from: str | None
    message_count: int


class TicketOut(TicketSummaryOut):
    messages: list[MessageOut]


class TicketPage(Schema):
    items: list[TicketSummaryOut]
    next_cursor: str | None


class MessageCreatedOut(MessageOut):
    reference: str = Field(
        ..., description="The case the message is on (a new linked case if it was closed)."
    )
    follow_up_of: str | None = Field(None, description="The closed case this new case follows up, if any.")


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str | None
    location: str
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]
