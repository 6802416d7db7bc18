"""Curated answers: the owner writes, edits and deletes answers retrieval puts first."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from dashboard.access import owned_bot
from dashboard.blueprint import bp
from dashboard.forms import ButtonForm, web_url
from models import Bot, Document, db
from services.answers import (
    ANSWER_MAX,
    QUESTION_MAX,
    URL_MAX,
    answer_text,
    answers_query,
    delete_answer,
    find_answer,
    save_answer,
)


def strip(value: str | None) -> str | None:
    """Trim surrounding white space, so a blank answer is a missing one."""
    return value.strip() if isinstance(value, str) else value


class CuratedAnswerForm(FlaskForm):
    question = StringField(
        "Question", validators=[DataRequired(), Length(max=QUESTION_MAX)], filters=[strip]
    )
    answer = TextAreaField(
        "Answer", validators=[DataRequired(), Length(max=ANSWER_MAX)], filters=[strip]
    )
    url = URLField(
        "Link for the source (optional)", validators=[Optional(), Length(max=URL_MAX), web_url]
    )


def _owned_answer(bot: Bot, answer_id: int) -> Document:
    document = find_answer(bot.id, answer_id)
    if document is None:
        abort(404)
    return document


def _form_page(bot: Bot, form: CuratedAnswerForm, document: Document | None, status: int) -> Any:
    return render_template(
        "dashboard/answer_form.html", bot=bot, form=form, document=document
    ), status


@bp.get("/dashboard/bots/<int:bot_id>/answers")
def answers(bot_id: int) -> str:
    """List the bot's curated answers, newest first."""
    bot = owned_bot(bot_id)
    rows = db.session.execute(answers_query(bot.id)).scalars().all()
    return render_template(
        "dashboard/answers.html",
        bot=bot,
        rows=[(d, answer_text(d)) for d in rows],
        button=ButtonForm(),
    )


@bp.get("/dashboard/bots/<int:bot_id>/answers/new")
def new_answer(bot_id: int) -> Any:
    """Show the form for a curated answer, with the question prefilled from ?question=."""
    bot = owned_bot(bot_id)
    form = CuratedAnswerForm(data={"question": (request.args.get("question") or "")[:QUESTION_MAX]})
    return _form_page(bot, form, None, 200)


@bp.post("/dashboard/bots/<int:bot_id>/answers/new")
def create_answer(bot_id: int) -> Any:
    """Save a new curated answer."""
    bot = owned_bot(bot_id)
    form = CuratedAnswerForm()
    if not form.validate():
        return _form_page(bot, form, None, 400)
    save_answer(bot.id, form.question.data, form.answer.data, (form.url.data or "").strip())
    flash("Answer saved. Visitors asking this, in any words, now get it first.", "success")
    return redirect(url_for("dashboard.answers", bot_id=bot.id))


@bp.get("/dashboard/bots/<int:bot_id>/answers/<int:answer_id>/edit")
def edit_answer(bot_id: int, answer_id: int) -> Any:
    """Show a curated answer's edit form."""
    bot = owned_bot(bot_id)
    document = _owned_answer(bot, answer_id)
    form = CuratedAnswerForm(
        data={"question": document.title, "answer": answer_text(document), "url": document.url}
    )
    return _form_page(bot, form, document, 200)


@bp.post("/dashboard/bots/<int:bot_id>/answers/<int:answer_id>/edit")
def update_answer(bot_id: int, answer_id: int) -> Any:
    """Replace a curated answer's question, answer and link."""
    bot = owned_bot(bot_id)
    document = _owned_answer(bot, answer_id)
    form = CuratedAnswerForm()
    if not form.validate():
        return _form_page(bot, form, document, 400)
    save_answer(
        bot.id, form.question.data, form.answer.data, (form.url.data or "").strip(), document
    )
    flash("Answer updated.", "success")
    return redirect(url_for("dashboard.answers", bot_id=bot.id))


@bp.post("/dashboard/bots/<int:bot_id>/answers/<int:answer_id>/delete")
def remove_answer(bot_id: int, answer_id: int) -> Response:
    """Delete a curated answer."""
    bot = owned_bot(bot_id)
    document = _owned_answer(bot, answer_id)
    question = document.title
    delete_answer(document)
    flash(f"Deleted the answer to “{question}”.", "success")
    return redirect(url_for("dashboard.answers", bot_id=bot.id))
