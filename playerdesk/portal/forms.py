"""Forms of the player portal. Every message is translated; oversized input is a field error."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from playerdesk.core.refs import InvalidReference, normalize
from playerdesk.core.text import clean_text
from playerdesk.portal.labels import CATEGORY_CHOICES

NAME_MAX = 120
EMAIL_MAX = 254
SUBJECT_MAX = 255
MESSAGE_MAX = 20_000
_SPACES = re.compile(r"\s+")


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


class TextField(forms.CharField):
    """Text with control characters and bidi overrides removed, and a translated length limit.

    ``single_line`` folds whitespace (names, subjects)."""

    def __init__(self, *, limit: int, single_line: bool = True, **kwargs: Any) -> None:
        self.limit = limit
        self.single_line = single_line
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(limit))

    def to_python(self, value: Any) -> str:
        text = clean_text(super().to_python(value) or "")
        if self.single_line:
            text = _SPACES.sub(" ", text)
        return text.strip()

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and len(value) > self.limit:
            raise ValidationError(
                self.error_messages["too_long"],
                code="too_long",
                params={"limit": _count(self.limit), "length": _count(len(value))},
            )


def email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX,
        error_messages={
            "required": _("Please enter your email address."),
            "invalid": _("Please enter a valid email address, like name@example.com."),
            "max_length": _("This email address is too long."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"}),
    )


def message_field(label: Any) -> TextField:
    return TextField(
        label=label,
        limit=MESSAGE_MAX,
        single_line=False,
        error_messages={
            "required": _("Please write your message."),
            "too_long": _(
                "Your message is too long: %(length)s characters. Please keep it under %(limit)s characters."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class NewCaseForm(forms.Form):
    name = TextField(
        label=_("Your name"),
        limit=NAME_MAX,
        error_messages={
            "required": _("Please enter your name."),
            "too_long": _("Your name is too long (at most %(limit)s characters)."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = email_field()
    category = forms.ChoiceField(
        label=_("Topic"),
        choices=[("", _("Choose a topic")), *CATEGORY_CHOICES],
        error_messages={
            "required": _("Please choose the topic closest to your question."),
            "invalid_choice": _("Please choose a topic from the list."),
        },
    )
    subject = TextField(
        label=_("Subject"),
        limit=SUBJECT_MAX,
        error_messages={
            "required": _("Please enter a subject."),
            "too_long": _(
                "The subject is too long: %(length)s characters. Please keep it under %(limit)s characters."
            ),
        },
        help_text=_("A few words, for example: “Withdrawal still pending”."),
    )
    message = message_field(_("How can we help?"))
    message.help_text = _(
        "Tell us what happened, with dates and amounts if it is about a transaction. "
        "Never send your password."
    )
    # Left empty by people; filled by bots that complete every field. Hidden with CSS.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))


class FindCaseForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        max_length=40,
        help_text=_("It starts with PD- and is in the subject of our emails, for example PD-6ZGKQD1G."),
        error_messages={
            "required": _("Please enter your case reference."),
            "max_length": _("This does not look like a case reference (they look like PD-6ZGKQD1G)."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    email = email_field()

    def clean_reference(self) -> str:
        raw = clean_text(self.cleaned_data["reference"])
        try:
            return normalize(raw)
        except InvalidReference:
            raise ValidationError(
                _("This does not look like a case reference (they look like PD-6ZGKQD1G). Please check it."),
                code="invalid",
            ) from None


class ReplyForm(forms.Form):
    message = message_field(_("Your reply"))
