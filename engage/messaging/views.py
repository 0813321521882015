"""Pages of the messaging feature: mailbox, outbox, unsubscribe, and the SendGrid webhook."""

from __future__ import annotations

import logging

import nh3
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from engage.auth.access import Access, access
from engage.database import utcnow
from engage.directory.models import Organisation
from engage.extensions import csrf, db
from engage.messaging import delivery, outbox_list, send_titles
from engage.messaging.blueprint import bp
from engage.messaging.events import process_events
from engage.messaging.frames import email_frame
from engage.messaging.models import EmailEvent, MailboxMessage, OutboxMessage, OutboxStatus
from engage.messaging.outbox_list import clean_search
from engage.messaging.unsubscribe import (
    BadUnsubscribeToken,
    is_unsubscribed,
    read_token,
    unsubscribe,
)
from engage.messaging.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookMalformed,
    WebhookRejected,
    WebhookTooLarge,
    parse_events,
    verify,
)
from engage.sections import page_section
from engage.transactions import done, saving
from engage.web import page_arg

log = logging.getLogger(__name__)

MAIL_TAGS = {
    "p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4",
    "blockquote", "hr", "table", "thead", "tbody", "tr", "th", "td", "div", "span", "small",
}


def sanitised_html(html: str) -> Markup:
    """An email's HTML part, safe to show inside our page: no script, style or handlers."""
    clean = nh3.clean(html or "", tags=MAIL_TAGS, attributes={"a": {"href"}},
                      clean_content_tags={"script", "style", "title"},
                      url_schemes={"https", "http", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704 - cleaned against the allow-list above


# --- the local mailbox and the outbox (managers) ----------------------------------------------


@bp.get("/mailbox")
@access(Access.MANAGE)
def mailbox() -> str:
    """What the local mailbox backend "sent", newest first."""
    query = select(MailboxMessage).order_by(MailboxMessage.received_at.desc(),
                                            MailboxMessage.id.desc())
    page = db.paginate(query, page=page_arg(), per_page=25, error_out=False)
    return render_template("messaging/mailbox.html", page=page,
                           using_sendgrid=bool(current_app.config.get("SENDGRID_API_KEY")))


@bp.get("/mailbox/<int:mailbox_message_id>")
@access(Access.MANAGE)
def mailbox_message(mailbox_message_id: int) -> str:
    """One stored message: headers, text, and the HTML part sanitised."""
    message = db.get_or_404(MailboxMessage, mailbox_message_id)
    return render_template("messaging/mailbox_message.html", message=message,
                           html=sanitised_html(message.html_body))


@bp.get("/mailbox/<int:mailbox_message_id>/html")
@access(Access.MANAGE)
def mailbox_message_html(mailbox_message_id: int) -> Response:
    """The HTML part as it arrives, for the frame on the message's page."""
    message = db.get_or_404(MailboxMessage, mailbox_message_id)
    if not message.html_body:
        abort(404)
    return email_frame(message.html_body)


@bp.get("/outbox")
@access(Access.MANAGE)
def outbox() -> str:
    """Sends with their counts by status, and the messages (found by address or organisation,
    narrowed to one send or status); failed ones can be retried."""
    raw_status = request.args.get("status", "")
    status = OutboxStatus(raw_status) if raw_status in {s.value for s in OutboxStatus} else None
    search = clean_search(request.args.get("q"))
    send = send_titles.parse_ref(request.args.get("send", "")[:60])
    ref = send.ref if send else ""
    page = db.paginate(outbox_list.message_query(status=status, send_ref=ref or None,
                                                 search=search),
                       page=page_arg(), per_page=50, error_out=False)
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    # The list of sends shows on the unfiltered page only.
    sends = None if send or search or status else db.paginate(
        outbox_list.sends_query(), page=page_arg("sends_page"), per_page=20, error_out=False)
    refs = list(sends.items) if sends is not None else []
    titles = send_titles.titles(db.session, [*refs, ref] if ref else refs)
    backend = delivery.backend_from_config(current_app.config)
    filters = {"status": status.value if status else "", "q": search, "send": ref}
    return render_template(
        "messaging/outbox.html", page=page, status=filters["status"], counts=counts,
        statuses=list(OutboxStatus), pause=delivery.active_pause(db.session, backend.name),
        backend=backend, search=search, send=ref, send_title=titles.get(ref, ""), sends=sends,
        send_rows=outbox_list.send_rows(db.session, refs, titles),
        words=outbox_list.STATUS_WORDS, pager_args={k: v for k, v in filters.items() if v})


@bp.get("/outbox/<int:outbox_message_id>")
@access(Access.MANAGE)
def outbox_message(outbox_message_id: int) -> str:
    """One message: what was sent, its history of attempts, and SendGrid's events."""
    message = db.get_or_404(OutboxMessage, outbox_message_id)
    events = db.session.scalars(select(EmailEvent).where(
        EmailEvent.outbox_message_id == message.id).order_by(EmailEvent.occurred_at)).all()
    return render_template("messaging/outbox_message.html", message=message, events=events)


@bp.post("/outbox/<int:outbox_message_id>/retry")
@access(Access.MANAGE)
def retry(outbox_message_id: int) -> Response:
    """Queue a failed message again."""
    message = db.get_or_404(OutboxMessage, outbox_message_id)
    with saving(delivery.RetryRefused) as saved:
        delivery.retry_message(db.session, message, user=current_user, now=utcnow())
    flash(f"The message to {message.to_email} will be sent again at the next delivery."
          if saved else saved.error)
    return redirect(url_for("messaging.outbox_message", outbox_message_id=message.id))


@bp.post("/outbox/resume")
@access(Access.ADMIN)
def resume() -> Response:
    """An administrator fixed SendGrid's key: deliver again."""
    backend = delivery.backend_from_config(current_app.config)
    if delivery.resume(db.session, backend.name, user=current_user, now=utcnow()):
        return done("Email delivery resumed.", url_for("messaging.outbox"))
    flash("Email delivery was not paused.")
    return redirect(url_for("messaging.outbox"))


@bp.get("/outbox/events")
@access(Access.MANAGE)
def events() -> str:
    """SendGrid events and unsubscribes as they arrived, unknown messages included."""
    query = select(EmailEvent).order_by(EmailEvent.received_at.desc(), EmailEvent.id.desc())
    page = db.paginate(query, page=page_arg(), per_page=50, error_out=False)
    return render_template("messaging/events.html", page=page)


# --- unsubscribe (public: the signed token is the credential) ---------------------------------


@bp.get("/unsubscribe/<token>")
@access(Access.PUBLIC)
def unsubscribe_page(token: str) -> str | tuple[str, int]:
    """Ask to confirm; a GET changes nothing (mail scanners follow links)."""
    try:
        email = read_token(db.session, current_app.config, token)
    except BadUnsubscribeToken:
        return render_template("messaging/unsubscribe_invalid.html"), 404
    return render_template("messaging/unsubscribe.html", token=token, email=email,
                           done=is_unsubscribed(db.session, email))


@bp.post("/unsubscribe/<token>")
@csrf.exempt
@access(Access.PUBLIC)
def unsubscribe_post(token: str) -> str | tuple[str, int]:
    """The page's button and RFC 8058 one-click posts from mail clients (no cookie, no CSRF)."""
    try:
        email = read_token(db.session, current_app.config, token)
    except BadUnsubscribeToken:
        return render_template("messaging/unsubscribe_invalid.html"), 404
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    with saving():
        changed = unsubscribe(db.session, email, now=utcnow(), one_click=one_click)
    if changed:
        log.info("unsubscribed an address%s", " (one-click)" if one_click else "")
    return render_template("messaging/unsubscribe.html", token=token, email=email, done=True,
                           just_now=changed)


# --- SendGrid's event webhook -----------------------------------------------------------------


@bp.post("/webhooks/sendgrid")
@csrf.exempt
@access(Access.PUBLIC)
def sendgrid_webhook() -> tuple[Response, int]:
    """Signed event posts from SendGrid; 403 unsigned or stale, 400 malformed, 413 too many
    events, 503 no database. Odd events are skipped one by one; the rest are stored (200)."""
    public_key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    if not public_key:
        log.error("SendGrid webhook called but SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
        return jsonify(error="The webhook is not configured."), 503
    raw = request.get_data(cache=False, as_text=False)
    now = utcnow()
    try:
        verify(raw, request.headers.get(SIGNATURE_HEADER), request.headers.get(TIMESTAMP_HEADER),
               public_key=public_key, now=now)
        events = parse_events(raw)
    except WebhookRejected as exc:
        log.warning("SendGrid webhook refused: %s", exc)
        return jsonify(error=str(exc)), 403
    except WebhookTooLarge as exc:
        return jsonify(error=str(exc)), 413
    except WebhookMalformed as exc:
        return jsonify(error=str(exc)), 400
    with saving(SQLAlchemyError) as saved:
        counts = process_events(db.session, events, now=now,
                                nul_possible=b"\\u0000" in raw)
    if not saved:
        log.error("SendGrid webhook: database unavailable; SendGrid will retry",
                  exc_info=saved.refused)
        return jsonify(error="Temporarily unavailable; please retry."), 503
    return jsonify(dict(counts)), 200


@page_section(bp, "organisation", "messaging/_org_messages.html", position=40)
def organisation_messages(org: Organisation,
                          limit: int = 10) -> dict[str, list[OutboxMessage]] | None:
    """The organisation page's recent emails, for managers only."""
    if not current_user.can_manage:
        return None
    return {"messages": list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.organisation_id == org.id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))}
