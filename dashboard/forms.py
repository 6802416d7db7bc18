"""Every dashboard form; Flask-WTF adds and checks the CSRF token on each."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from contract import MESSAGE_MAX
from knowledge.languages import choices as language_choices
from services.keys import SCOPES

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def web_url(form: Any, field: Any) -> None:
    """Accept only http and https URLs (never javascript: or data:)."""
    value = (field.data or "").strip()
    if value and not re.match(r"^https?://[^\s/]+", value, re.IGNORECASE):
        raise ValidationError("Enter a full http:// or https:// address.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ButtonForm(FlaskForm):
    """A form with nothing but its CSRF token: delete, revoke and sign-out buttons."""


class SignupForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=8, max=200, message="Use at least 8 characters (and at most 200)."),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(min=8, max=200, message="Use at least 8 characters (and at most 200)."),
        ],
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class BotCreateForm(FlaskForm):
    name = StringField("Bot name", validators=[DataRequired(), Length(max=200)])


class BotSettingsForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    prompt = TextAreaField("System prompt", validators=[Length(max=20000)])
    model = StringField("Model", validators=[DataRequired(), Length(max=200)])
    temperature = DecimalField(
        "Temperature", places=2, validators=[InputRequired(), NumberRange(min=0, max=2)]
    )
    max_tokens = IntegerField(
        "Answer length (tokens)", validators=[InputRequired(), NumberRange(min=16, max=16000)]
    )
    fallback_message = TextAreaField(
        "When the documents hold nothing, say", validators=[Length(max=2000)]
    )
    language = SelectField(
        "Documents' language",
        choices=[SelectChoice(code, name) for code, name in language_choices()],
        default="en",
    )
    retention_days = IntegerField(
        "Delete conversations after (days)",
        validators=[Optional(), NumberRange(min=1, max=3650)],
    )


class BotDeleteForm(FlaskForm):
    confirm_name = StringField("Type the bot's name to confirm", validators=[DataRequired()])


class UploadForm(FlaskForm):
    file = FileField("File", validators=[FileRequired("Choose a file to upload.")])


class TextDocumentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=500)])
    fmt = SelectField(
        "Format",
        choices=[
            SelectChoice("text", "Plain text"),
            SelectChoice("markdown", "Markdown"),
            SelectChoice("html", "HTML"),
        ],
        default="text",
    )
    url = URLField(
        "Link for sources (optional)", validators=[Optional(), Length(max=2000), web_url]
    )
    text = TextAreaField("Text", validators=[DataRequired(), Length(max=2_000_000)])


class AskForm(FlaskForm):
    question = StringField("Question", validators=[DataRequired(), Length(max=MESSAGE_MAX)])


class AppearanceForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=100)])
    accent_color = StringField("Accent colour", default="#4f46e5")
    position = RadioField(
        "Position",
        choices=[SelectChoice("right", "Bottom right"), SelectChoice("left", "Bottom left")],
        default="right",
    )
    welcome_message = TextAreaField("Welcome message", validators=[Length(max=1000)])
    starter_questions = TextAreaField(
        "Starter questions (one a line, up to 6)", validators=[Length(max=2000)]
    )
    avatar_url = URLField("Avatar image URL", validators=[Optional(), Length(max=2000), web_url])
    placeholder = StringField("Input placeholder", validators=[Length(max=200)])
    labels = TextAreaField("Labels (one a line: name = text)", validators=[Length(max=4000)])
    handoff = RadioField(
        "Offer “Talk to a person”",
        choices=[
            SelectChoice("off", "Never"),
            SelectChoice("always", "Always"),
            SelectChoice("unanswered", "After an unanswered question"),
        ],
        default="off",
    )
    lead_form = BooleanField("Offer a lead form (name, email, message)")

    def validate_accent_color(self, field: Any) -> None:
        if not COLOR_RE.match((field.data or "").strip()):
            raise ValidationError("Use a colour like #4f46e5.")

    def validate_starter_questions(self, field: Any) -> None:
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > 6:
            raise ValidationError("Up to six starter questions.")
        if any(len(line) > 200 for line in lines):
            raise ValidationError("Keep each starter question under 200 characters.")

    def validate_labels(self, field: Any) -> None:
        for line in (field.data or "").splitlines():
            if line.strip() and "=" not in line:
                raise ValidationError(
                    f"Write each label as name = text (line: {line.strip()[:40]})."
                )


class KeySettingsForm(FlaskForm):
    """What a key's owner may set and later change: everything but its kind and text."""

    name = StringField("Name", validators=[Length(max=200)])
    origins = TextAreaField("Allowed origins (one a line)", validators=[Length(max=10000)])
    scopes = MultiCheckboxField(
        "Scopes (secret keys)", choices=[SelectChoice(s, s) for s in SCOPES], default=list(SCOPES)
    )
    rate_limit = StringField("Rate limit", validators=[Optional(), Length(max=64)])
    daily_quota = IntegerField("Daily message quota", validators=[Optional(), NumberRange(min=1)])
    allow_no_origin = BooleanField("Create it without origins")


class KeyForm(KeySettingsForm):
    kind = RadioField(
        "Kind",
        choices=[
            SelectChoice("public", "Public (widget)"),
            SelectChoice("secret", "Secret (your server)"),
        ],
        default="public",
    )


class KeyEditForm(KeySettingsForm):
    allow_no_origin = BooleanField("Save it without origins")
