"""Forms for posts, replies and the challenge loop."""

import math
import re
import secrets

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..forms import MAX_ID, Length, Visible
from ..markdown import MAX_MARKDOWN_CHARS
from ..models import PostKind, Visibility
from ..models.post import FORM_KEY_LENGTH
from ..uploads.attachments import Upload, uploads_from
from .ops import ANNOUNCEMENT_NAMED, ANNOUNCEMENT_RESULTS, MAX_TAG_LENGTH, MAX_TAGS, ResultRow, parse_tags

MAX_RESULTS = 6
FORM_KEY = re.compile(rf"[A-Za-z0-9_-]{{16,{FORM_KEY_LENGTH}}}")


class FigureField(FloatField):
    """A number shown back as people write it: 60, not 60.0."""

    def _value(self) -> str:
        if self.raw_data or self.data is None:
            return super()._value()  # what was typed, or nothing
        return repr(self.data).removesuffix(".0")


class ResultFields(Form):
    """One measured result; a row left blank is ignored."""

    measure = StringField("Measure", validators=[Optional(), Length(max=200)])
    unit = StringField("Unit", validators=[Optional(), Length(max=40)])
    baseline = FigureField("Before", validators=[Optional()])
    result = FigureField("After", validators=[Optional()])
    period = StringField("Period", validators=[Optional(), Length(max=80)])

    def is_blank(self) -> bool:
        return not any((self.measure.data, self.unit.data, self.period.data)) and (
            self.baseline.data is None and self.result.data is None
        )

    def validate(self, extra_validators=None):
        # Field validators stop at an empty optional field, so the row as a whole is checked here.
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        if not (self.measure.data or "").strip():
            self.measure.errors.append("Name what was measured.")
            valid = False
        if self.baseline.data is None or self.result.data is None:
            self.result.errors.append("Give the figure before and after.")
            valid = False
        elif not (math.isfinite(self.baseline.data) and math.isfinite(self.result.data)):
            self.result.errors.append("Give ordinary numbers, like 14 or 60.5.")
            valid = False
        return valid


class AttachmentsMixin:
    """Files sent with the text. Whether each will do is decided from its content by the operation
    (cohort/uploads/attachments.py), which says what is wrong with the text kept."""

    files = MultipleFileField("Attach files")

    def uploads(self) -> list[Upload]:
        return uploads_from(self.files.data or ())


class ResultsMixin:
    results = FieldList(FormField(ResultFields), min_entries=2, max_entries=MAX_RESULTS)

    def result_rows(self) -> list[ResultRow]:
        return [
            ResultRow(
                measure=entry.form.measure.data.strip(),
                unit=(entry.form.unit.data or "").strip(),
                baseline=entry.form.baseline.data,
                result=entry.form.result.data,
                period=(entry.form.period.data or "").strip(),
            )
            for entry in self.results
            if not entry.form.is_blank()
        ]

    def fill_results(self, results) -> None:
        """Show saved results, with one blank row to add another."""
        while len(self.results.entries):
            self.results.pop_entry()
        for saved in results:
            self.results.append_entry(
                {
                    "measure": saved.measure,
                    "unit": saved.unit,
                    "baseline": saved.baseline,
                    "result": saved.result,
                    "period": saved.period,
                }
            )
        if len(self.results.entries) < MAX_RESULTS:
            self.results.append_entry()


def _markdown_field(label: str, required: str | None = None, description: str = ""):
    validators = [Length(max=MAX_MARKDOWN_CHARS, message=f"Keep it under {MAX_MARKDOWN_CHARS:,} characters.")]
    validators.insert(0, DataRequired(required) if required else Optional())
    return TextAreaField(label, validators=validators, description=description)


class PostForm(ResultsMixin, AttachmentsMixin, FlaskForm):
    kind = RadioField(
        "What are you sharing?",
        choices=[
            SelectChoice(PostKind.STORY.value, "A story: a small improvement that worked"),
            SelectChoice(PostKind.CHALLENGE.value, "A challenge: something you want help with"),
            # Offered only to those who announce (the page shows ``policy.post_kinds``); the operation
            # refuses anyone else who sends it.
            SelectChoice(PostKind.ANNOUNCEMENT.value, "An announcement: to every member, pinned on the cohort home"),
        ],
        validators=[DataRequired("Choose a story or a challenge.")],
    )
    title = StringField("Title", validators=[Visible("Give it a title."), Length(max=200)])
    body = _markdown_field(
        "Tell the cohort",
        required="Write a few lines for the cohort.",
        description="Markdown works: **bold**, lists, tables, links; @handle mentions a member.",
    )
    tags = StringField(
        "Tags",
        validators=[Length(max=MAX_TAGS * (MAX_TAG_LENGTH + 2))],
        description="Separated by commas, e.g. outpatients, virtual care",
    )
    visibility = RadioField(
        "Who sees it",
        choices=[SelectChoice(v.value, v.label) for v in Visibility],
        default=Visibility.ATTRIBUTED.value,
        validators=[DataRequired("Choose who sees it.")],
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(0, MAX_ID)])
    # The new-post form's own random key: the same form sent twice shares one post (posts.ops.create_post).
    # Back fetches the form again (no page is stored), with a new key; the browser then puts back the
    # text fields that were changed after the page arrived. So the key is a text field out of sight,
    # which cohort.js marks as changed: Back, then Share, sends the first key again.
    form_key = StringField(render_kw={"hidden": True, "data-kept-on-back": True})

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.kind.data != PostKind.ANNOUNCEMENT:
            return valid
        # An announcement is the facilitator's own, to everyone: the page hides these parts for it,
        # so this speaks only to a browser without scripts.
        if self.visibility.data != Visibility.ATTRIBUTED:
            self.visibility.errors.append(ANNOUNCEMENT_NAMED)
            valid = False
        filled = [entry.form for entry in self.results if not entry.form.is_blank()]
        if filled:
            filled[0].measure.errors.append(ANNOUNCEMENT_RESULTS)
            self.results.errors.append(filled[0].errors)
            valid = False
        return valid

    def tag_list(self) -> list[str]:
        return parse_tags(self.tags.data or "")

    def sent_key(self) -> str | None:
        """The key the form was sent with; None when missing or malformed (a tab opened before forms
        had keys, or an altered form): such a form still shares, only without the guard."""
        key = self.form_key.data or ""
        return key if FORM_KEY.fullmatch(key) else None

    def keep_key(self) -> None:
        """A new key when the form is first shown; the same one when it is shown again after an error."""
        if self.sent_key() is None:
            self.form_key.data = secrets.token_urlsafe(16)


class ReplyForm(AttachmentsMixin, FlaskForm):
    body = _markdown_field("Your reply", required="Write your reply before sending it.")
    parent_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])


class CommitmentForm(FlaskForm):
    commitment = _markdown_field(
        "What I’ll try",
        required="Say what you will try.",
        description="A commitment the cohort can see, and ask you about at the next session.",
    )


class OutcomeForm(ResultsMixin, FlaskForm):
    outcome = _markdown_field(
        "What happened next",
        required="Tell the cohort what happened.",
        description="What you did, what changed, what you learned.",
    )


class ProposeForm(FlaskForm):
    """Bring a challenge to a coming session: the facilitator confirms the agenda."""

    meeting_id = SelectField("Which session", coerce=int, validators=[DataRequired("Choose a session.")])
    title = StringField(
        "What you would like to bring", validators=[DataRequired("Say what you would like to bring."), Length(max=200)]
    )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class TextOnlyForm(FlaskForm):
    """An edit of a reply."""

    body = _markdown_field("Your reply", required="A reply cannot be empty. Delete it instead.")
