"""The rider's pages (server-rendered) and the same content as JSON for platforms that embed it.

Both come from one view model (`gateway.web.view`): the page renders exactly what the JSON returns. Who the
rider is comes from the session the access link (or the login) set; the HTML routes answer an unknown visitor
with a page explaining how to get in (401) when a browser asks, and with a problem+json otherwise.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field
from sqlmodel import Session

from gateway.agreements.loader import AgreementBook
from gateway.deps import BookDep, NowDep, SessionDep, SettingsDep
from gateway.domains.auth import tokens
from gateway.domains.decisions import reviews as decision_reviews
from gateway.domains.members.schemas import IdentityIn
from gateway.domains.members.service import SsinTaken
from gateway.domains.members.vault import vault_of
from gateway.domains.notifications import service as notifications
from gateway.domains.notifications.schemas import NotificationChoices, NotificationChoicesOut
from gateway.domains.notifications.settings import get_notification_settings
from gateway.domains.readmodel.endpoints import my_contract
from gateway.domains.readmodel.service import ContractOut, rider_contracts
from gateway.domains.riders import access
from gateway.domains.riders.access import RiderPrincipal
from gateway.domains.riders.deps import RiderDep, rider_bearer, rider_principal
from gateway.domains.riders.endpoints import RIDER_HOME, set_session_cookie
from gateway.problems import (
    Conflict,
    Forbidden,
    InvalidBody,
    InvalidPayload,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    problem_responses,
)
from gateway.ratelimit import TooManyRequests, check_identity_write_rate
from gateway.routing import api_router
from gateway.settings import Settings
from gateway.web import decisions, identity, payslip_routes, view
from gateway.web.i18n import LANG_COOKIE, LANGUAGES, Translator, choose

HERE = Path(__file__).parent
STATIC_URL = "/static/rider"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
# The pages show personal data: never cached, never framed, no script at all.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Vary": "Accept, Accept-Language, Cookie",
}
JSON_HEADERS = {"Vary": "Accept-Language", "Cache-Control": "no-store"}
# An access link's token: in the link's path (GET) and in its page's form (POST).
LINK_MAX_LENGTH = 2000
LINK_FORM_MAX_BYTES = 4096
# The identity form: sixteen short fields, percent-encoded (a name in another script triples in size).
IDENTITY_FORM_MAX_BYTES = 16384
FORM_TYPE = "application/x-www-form-urlencoded"

router = api_router(tags=["rider pages"])
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

LangQuery = Annotated[
    str | None, Query(max_length=8, description="en, fr or nl; remembered in a cookie. Unknown values are ignored.")
]
JsonLang = Annotated[
    Literal["en", "fr", "nl"] | None,
    Query(description="The language of the texts; without it, the Accept-Language header decides (else English)."),
]
ContractRef = Annotated[str, PathParam(max_length=64, description="The contract's id.")]


async def page_language(request: Request, lang: LangQuery = None) -> Translator:
    return Translator(choose(lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")))


async def json_language(request: Request, lang: JsonLang = None) -> Translator:
    return Translator(choose(lang, None, request.headers.get("accept-language")))


async def optional_rider(
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(rider_bearer)],
) -> RiderPrincipal | Unauthorized:
    """The rider, or the reason there is none (the page explains it instead of failing)."""
    try:
        return await rider_principal(request, settings, now, credentials)
    except Unauthorized as exc:
        return exc


PageLang = Annotated[Translator, Depends(page_language)]
PageRider = Annotated[RiderPrincipal | Unauthorized, Depends(optional_rider)]


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _render(
    request: Request, name: str, t: Translator, status: int = 200, *, signed_in: bool, **context: Any
) -> HTMLResponse:
    html = templates.get_template(name).render(
        t=t,
        static=STATIC_URL,
        languages=[(code, t.language_name(code)) for code in LANGUAGES],
        signed_in=signed_in,
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, "Content-Language": t.lang})
    chosen = request.query_params.get("lang", "").lower()
    if chosen in LANGUAGES and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_SECONDS, samesite="lax", httponly=True, path="/")
    return response


def _sign_in_page(
    request: Request, t: Translator, settings: Settings, reason: Unauthorized, *, link_refused: bool = False
) -> HTMLResponse:
    if not wants_html(request):
        raise reason
    login = "/rider/login" if settings.oidc_discovery_url and settings.oidc_client_id else None
    response = _render(
        request,
        "signin.html",
        t,
        401,
        signed_in=False,
        page_title=t("page.login.title"),
        login_url=login,
        link_refused=link_refused,
    )
    response.headers.update(reason.headers)
    return response


def load_contract(session: Session, principal: RiderPrincipal, ref: str) -> ContractOut:
    """One of the rider's contracts; another rider's is "not found", like one that does not exist."""
    try:
        contract_id = uuid.UUID(ref)
    except ValueError:
        raise NotFound(f"you have no contract {ref}") from None
    return my_contract(contract_id, principal, session)


def contract_content(
    session: Session, settings: Settings, book: AgreementBook, principal: RiderPrincipal, ref: str, t: Translator
) -> view.ContractView:
    contract = load_contract(session, principal, ref)
    needed = identity.needs_identity(session, settings, principal)
    returned = identity.iban_returned(session, principal)
    return view.contract_view(
        contract, book.get(contract.agreement.id), t, identity_needed=needed, iban_returned=returned
    )


def home_content(
    session: Session, settings: Settings, principal: RiderPrincipal, t: Translator, now: datetime
) -> view.RiderHomeView:
    needed = identity.needs_identity(session, settings, principal)
    returned = identity.iban_returned(session, principal)
    home = view.home_view(rider_contracts(session, principal), t, identity_needed=needed, iban_returned=returned)
    home.decisions = decisions.of_rider(session, principal.rider_ids, t, now)
    return home


@router.get(
    "/r/{token}",
    response_class=HTMLResponse,
    summary="An access link: a page with one button that opens the rider's contracts (the link is not used yet)",
    responses=problem_responses(Unauthorized),
)
def show_access_link(
    request: Request,
    token: Annotated[str, PathParam(max_length=LINK_MAX_LENGTH)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
) -> HTMLResponse:
    """Checks the link without using it: a GET must be safe, and link previewers (chat apps, mail scanners, an
    app's prefetch) fetch it before the rider does. The button posts it to `POST /r`, which uses it. A browser
    that cannot use the link (used, expired, forged) gets a page saying what to do; anything else a 401
    problem. The token is in the path: the access log prints it redacted (gateway.logredact)."""
    try:
        access.check_link(settings, session, token, now)
    except tokens.InvalidToken as exc:
        return _sign_in_page(request, t, settings, _link_refused(exc), link_refused=True)
    return _render(request, "link.html", t, signed_in=False, page_title=t("page.link.title"), token=token)


async def posted_link_token(request: Request) -> str:
    """The `token` field of the link page's form (application/x-www-form-urlencoded), read within a few KiB."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise UnsupportedMediaType(f"post the link's token as {FORM_TYPE}, field `token`")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > LINK_FORM_MAX_BYTES:
            raise PayloadTooLarge(f"the form is over the limit of {LINK_FORM_MAX_BYTES} bytes")
    try:
        fields = parse_qs(body.decode("ascii"), max_num_fields=4)
    except (UnicodeDecodeError, ValueError):
        fields = {}
    values = fields.get("token", [])
    if len(values) != 1 or not 0 < len(values[0]) <= LINK_MAX_LENGTH:
        raise InvalidBody("the form needs one field `token`: the access link's token")
    return values[0]


@router.post(
    "/r",
    summary="Use an access link (it works once): starts the rider's session and shows their contracts",
    status_code=303,
    response_class=RedirectResponse,
    responses=problem_responses(Unauthorized, PayloadTooLarge, UnsupportedMediaType, InvalidBody),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM_TYPE: {
                    "schema": {
                        "type": "object",
                        "required": ["token"],
                        "properties": {
                            "token": {
                                "type": "string",
                                "maxLength": LINK_MAX_LENGTH,
                                "description": "The access link's token (what follows /r/ in its URL).",
                            }
                        },
                    }
                }
            },
        }
    },
)
def open_access_link(
    request: Request,
    token: Annotated[str, Depends(posted_link_token)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
) -> Response:
    """The link page's button posts here. The token travels in the form's body, not in a second URL: no access
    log, history or Referer sees it. A browser that cannot use the link gets a page saying what to do; anything
    else a 401 problem."""
    # No CSRF token: the post carries the signed, short-lived, one-time link token itself, and that is the proof.
    # A forged post has no valid token; a replayed one finds it used. A form on another site posting someone's own
    # unused link would sign the visitor in as that rider (login CSRF): browsers say where a post comes from
    # (Sec-Fetch-Site), and one from another site is refused, the link left unused. Clients that send no such
    # header (apps, scripts) are not browsers on another site.
    if request.headers.get("sec-fetch-site") == "cross-site":
        refused = Unauthorized("this link must be opened from its own page; open it again from your platform's app")
        return _sign_in_page(request, t, settings, refused, link_refused=True)
    try:
        session_token = access.open_link(settings, session, token, now)
    except tokens.InvalidToken as exc:
        return _sign_in_page(request, t, settings, _link_refused(exc), link_refused=True)
    session.commit()
    # No Referer from the next page, no cached copy of this answer (it sets the session).
    response = RedirectResponse(
        RIDER_HOME, status_code=303, headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
    )
    set_session_cookie(response, settings.public_url, session_token, settings.rider_session_ttl_seconds)
    return response


def _link_refused(exc: tokens.InvalidToken) -> Unauthorized:
    return Unauthorized(f"this link cannot be used ({exc}); ask your platform's app for a new one")


@router.get(
    "/rider",
    response_class=HTMLResponse,
    summary="The rider's contracts (HTML page, in the rider's language)",
    responses=problem_responses(Unauthorized),
)
def rider_home(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
    rider: PageRider,
    asked: Annotated[str | None, Query(max_length=1, description="1: a review was just asked for.")] = None,
) -> HTMLResponse:
    if isinstance(rider, Unauthorized):
        return _sign_in_page(request, t, settings, rider)
    notice = t("decision.asked") if asked == "1" else None
    return _home_page(request, session, settings, now, t, rider, decision_notice=notice)


def _home_page(
    request: Request,
    session: Session,
    settings: Settings,
    now: datetime,
    t: Translator,
    rider: RiderPrincipal,
    status: int = 200,
    *,
    decision_notice: str | None = None,
    decision_error: str | None = None,
) -> HTMLResponse:
    content = home_content(session, settings, rider, t, now)
    response = _render(
        request,
        "home.html",
        t,
        status,
        signed_in=True,
        page_title=t("page.list.title"),
        view=content,
        decision_notice=decision_notice,
        decision_error=decision_error,
    )
    # The review forms post to their own origin: the browser must say so (Origin), which `no-referrer` blanks out.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@router.get(
    "/rider/contracts/{contract_id}",
    response_class=HTMLResponse,
    summary="One of the rider's contracts (HTML page, in the rider's language)",
    responses=problem_responses(Unauthorized, NotFound),
)
def rider_contract_page(
    request: Request,
    contract_id: ContractRef,
    session: SessionDep,
    settings: SettingsDep,
    book: BookDep,
    t: PageLang,
    rider: PageRider,
) -> HTMLResponse:
    if isinstance(rider, Unauthorized):
        return _sign_in_page(request, t, settings, rider)
    try:
        content = contract_content(session, settings, book, rider, contract_id, t)
    except NotFound:
        if not wants_html(request):
            raise
        return _render(request, "not_found.html", t, 404, signed_in=True, page_title=t("page.notfound.title"))
    return _render(request, "contract.html", t, signed_in=True, page_title=content.title, v=content)


@router.get(
    "/v1/rider/view",
    response_model=view.RiderHomeView,
    summary="The signed-in rider's contracts, localized and in plain words (what the /rider page shows)",
    responses=problem_responses(Unauthorized, InvalidRequest),
)
def rider_home_json(
    response: Response,
    principal: RiderDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: Annotated[Translator, Depends(json_language)],
) -> view.RiderHomeView:
    response.headers.update(JSON_HEADERS | {"Content-Language": t.lang})
    return home_content(session, settings, principal, t, now)


@router.get(
    "/v1/rider/contracts/{contract_id}/view",
    response_model=view.ContractView,
    summary="One of the signed-in rider's contracts, localized and in plain words (what its page shows)",
    responses=problem_responses(Unauthorized, NotFound, InvalidRequest),
)
def rider_contract_json(
    response: Response,
    contract_id: ContractRef,
    principal: RiderDep,
    session: SessionDep,
    settings: SettingsDep,
    book: BookDep,
    t: Annotated[Translator, Depends(json_language)],
) -> view.ContractView:
    response.headers.update(JSON_HEADERS | {"Content-Language": t.lang})
    return contract_content(session, settings, book, principal, contract_id, t)


# --- the rider's identity --------------------------------------------------------------------------------

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {spec.name: {"type": "string", "maxLength": spec.max_length} for spec in identity.FIELDS},
    "description": "The identity fields to set; an empty field is left unchanged. Fields as in IdentityIn, "
    "countries as ISO 3166 alpha-2 codes, birth_date as YYYY-MM-DD.",
}


def same_origin(request: Request, public_url: str) -> bool:
    """Whether a browser says the post comes from the gateway's own pages (against cross-site request forgery,
    beside the session cookie's SameSite=Lax). A client that names no origin at all is no browser on another
    site; `Origin: null` (a sandboxed frame, a privacy redirect) is refused."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True
        origin = _origin(referer)
    return origin == _origin(public_url)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def read_form(
    request: Request, what: str, max_bytes: int, max_fields: int, *, strict: bool = False
) -> dict[str, list[str]]:
    """A page's form (application/x-www-form-urlencoded), read within `max_bytes` and `max_fields`: the identity,
    e-mail and review forms all come through here. `strict`: a field without `=` is refused too."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise UnsupportedMediaType(f"post {what} as {FORM_TYPE}")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"the form is over the limit of {max_bytes} bytes")
    try:
        text = body.decode("ascii")
        return parse_qs(
            text, max_num_fields=max_fields, encoding="utf-8", errors="strict", strict_parsing=strict and bool(body)
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidBody(f"the form is not url-encoded UTF-8 text with at most {max_fields} fields") from None


async def posted_identity_form(request: Request) -> dict[str, list[str]]:
    """The identity form's fields, read within a few KiB."""
    return await read_form(request, "the identity form", IDENTITY_FORM_MAX_BYTES, 40)


def _identity_page(
    request: Request,
    t: Translator,
    content: identity.IdentityView,
    status: int = 200,
    *,
    saved: bool = False,
    form_error: str | None = None,
) -> HTMLResponse:
    response = _render(
        request,
        "identity.html",
        t,
        status,
        signed_in=True,
        page_title=t("identity.title"),
        v=content,
        specs=identity.SPECS,
        stand_ins=identity.STAND_INS,
        countries=sorted(identity.country_names(t).items(), key=lambda item: item[1]),
        languages_of_member=[(code, t.language_name(code)) for code in LANGUAGES],
        saved=saved,
        form_error=form_error,
    )
    # The form posts to its own origin: the browser must say so (Origin), which `no-referrer` would blank out.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _too_many_writes_page(
    request: Request, t: Translator, content: identity.IdentityView, exc: TooManyRequests
) -> HTMLResponse:
    wait = int(exc.headers["Retry-After"])
    minutes = max(1, -(-wait // 60))
    response = _identity_page(request, t, content, 429, form_error=t("identity.too_many", minutes=minutes))
    response.headers["Retry-After"] = str(wait)
    return response


@router.get(
    "/rider/identity",
    response_class=HTMLResponse,
    summary="The rider's identity form: what the cooperative knows (SSIN and IBAN masked) and still needs",
    responses=problem_responses(Unauthorized, InvalidRequest),
)
def rider_identity_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    t: PageLang,
    rider: PageRider,
    saved: Annotated[str | None, Query(max_length=1, description="1: the form was just saved.")] = None,
) -> HTMLResponse:
    if isinstance(rider, Unauthorized):
        return _sign_in_page(request, t, settings, rider)
    return _identity_page(request, t, identity.load_view(session, rider, t), saved=saved == "1")


@router.post(
    "/rider/identity",
    status_code=303,
    response_class=RedirectResponse,
    summary="Save the identity form; back to the form (303) with a confirmation, or the form with its errors",
    responses=problem_responses(
        Unauthorized,
        Forbidden,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        InvalidBody,
        InvalidPayload,
        TooManyRequests,
    ),
    openapi_extra={"requestBody": {"required": True, "content": {FORM_TYPE: {"schema": FORM_SCHEMA}}}},
)
def save_identity_form(
    request: Request,
    form: Annotated[dict[str, list[str]], Depends(posted_identity_form)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
    rider: PageRider,
) -> Response:
    """A browser gets the form again with each error beside its field (SSIN and IBAN never typed back); another
    client a problem listing the fields and their codes."""
    if isinstance(rider, Unauthorized):
        return _sign_in_page(request, t, settings, rider)
    if not same_origin(request, settings.public_url):
        refused = Forbidden("post the identity form from the gateway's own page")
        if not wants_html(request):
            raise refused
        content = identity.load_view(session, rider, t)
        return _identity_page(request, t, content, 403, form_error=t("identity.refused"))
    try:
        check_identity_write_rate(request.app, rider.rider_ids)
    except TooManyRequests as exc:
        if not wants_html(request):
            raise
        return _too_many_writes_page(request, t, identity.load_view(session, rider, t), exc)
    typed = identity.parse_form(form)
    if typed.data is not None:
        try:
            identity.save(session, vault_of(settings), rider, typed.data, now)
        except InvalidPayload as exc:
            typed.errors = identity.errors_of(exc)
        except SsinTaken:
            typed.errors = {"ssin": "ssin_taken"}
        except identity.LinkPending as exc:
            session.rollback()
            if not wants_html(request):
                raise
            content = identity.load_view(session, rider, t)
            return _identity_page(request, t, content, 409, form_error=exc.detail)
    if typed.errors:
        session.rollback()
        if not wants_html(request):
            raise identity.problem_of(typed.errors)
        content = identity.load_view(session, rider, t, typed)
        return _identity_page(request, t, content, 422, form_error=t("identity.has_errors"))
    session.commit()
    return RedirectResponse(f"{identity.PAGE_URL}?saved=1", status_code=303, headers={"Cache-Control": "no-store"})


@router.get(
    "/v1/rider/identity",
    response_model=identity.IdentityView,
    summary="The signed-in rider's identity as the cooperative holds it (SSIN and IBAN masked), and what is missing",
    responses=problem_responses(Unauthorized, InvalidRequest),
)
def rider_identity_json(
    response: Response, principal: RiderDep, session: SessionDep, t: Annotated[Translator, Depends(json_language)]
) -> identity.IdentityView:
    response.headers.update(JSON_HEADERS | {"Content-Language": t.lang})
    return identity.load_view(session, principal, t)


@router.put(
    "/v1/rider/identity",
    response_model=identity.IdentityView,
    summary="Fill (or, signed in with the cooperative's account, change) the signed-in rider's identity",
    responses=problem_responses(Unauthorized, Forbidden, Conflict, InvalidRequest, InvalidPayload, TooManyRequests),
)
def put_rider_identity(
    request: Request,
    data: IdentityIn,
    response: Response,
    principal: RiderDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: Annotated[Translator, Depends(json_language)],
) -> identity.IdentityView:
    """The same rules as the form: on an access link, a field already set among name, birth date, SSIN, IBAN and
    BIC is not changed (422, code `locked`); the SSIN of another member records a request for the cooperative to
    link the rider (state `link_requested`). Field errors are a 422 problem whose `errors` give each field and
    code, never the value."""
    if data.worker_type is not None:
        raise Forbidden("worker_type is the cooperative's to set")
    if data.employed_since is not None:
        raise Forbidden("employed_since is the cooperative's to set")
    check_identity_write_rate(request.app, principal.rider_ids)
    identity.save(session, vault_of(settings), principal, data, now)
    session.commit()
    response.headers.update(JSON_HEADERS | {"Content-Language": t.lang})
    return identity.load_view(session, principal, t)


# --- the rider's e-mails (issue 20, notifications) -----------------------------------------------------------

NOTIFICATIONS_URL = "/rider/notifications"
# Three checkboxes and the form's marker: a few hundred bytes at most.
NOTIFICATIONS_FORM_MAX_BYTES = 1024
_NOTIFICATIONS_FORM = "notifications"
NOTIFICATIONS_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["form"],
    "properties": {
        "form": {"type": "string", "enum": [_NOTIFICATIONS_FORM]},
        **{k.value: {"type": "string", "enum": ["on"]} for k in notifications.NotificationKind},
    },
    "description": "The e-mail choices: a kind's field present (`on`) turns it on, absent turns it off, as an HTML "
    "form's checkboxes post them.",
}


def notification_choices(session: Session, principal: RiderPrincipal) -> NotificationChoicesOut:
    chosen = notifications.choices(session, principal.rider_ids)
    return NotificationChoicesOut(
        **{k.value: v for k, v in chosen.items()},
        sending=get_notification_settings().enabled,
        address_known=notifications.has_usable_address(session, principal.rider_ids),
    )


async def posted_notifications_form(request: Request) -> dict[notifications.NotificationKind, bool]:
    """The checkboxes of the e-mail form (application/x-www-form-urlencoded): each kind on when its field is there."""
    fields = await read_form(request, "the e-mail choices", NOTIFICATIONS_FORM_MAX_BYTES, 8, strict=True)
    kinds = {k.value for k in notifications.NotificationKind}
    if fields.get("form") != [_NOTIFICATIONS_FORM] or any(
        k != "form" and (k not in kinds or v != ["on"]) for k, v in fields.items()
    ):
        raise InvalidBody(f"the form takes `form=notifications` and, once each, the kinds to turn on: {sorted(kinds)}")
    return {k: k.value in fields for k in notifications.NotificationKind}


def _notifications_page(
    request: Request, t: Translator, content: NotificationChoicesOut, status: int = 200, **context: Any
) -> HTMLResponse:
    response = _render(
        request,
        "notifications.html",
        t,
        status,
        signed_in=True,
        page_title=t("notifications.title"),
        notifications=content,
        kinds=[k.value for k in notifications.NotificationKind],
        **context,
    )
    # The form posts to its own origin: the browser must say so (Origin), which `no-referrer` would blank out.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@router.get(
    NOTIFICATIONS_URL,
    response_class=HTMLResponse,
    summary="The rider's e-mail choices: which e-mails they get (a new contract, a decision, a review's answer)",
    responses=problem_responses(Unauthorized, InvalidRequest),
)
def rider_notifications_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    t: PageLang,
    rider: PageRider,
    saved: Annotated[str | None, Query(max_length=1, description="1: the choices were just saved.")] = None,
) -> HTMLResponse:
    if isinstance(rider, Unauthorized):
        return _sign_in_page(request, t, settings, rider)
    return _notifications_page(request, t, notification_choices(session, rider), saved=saved == "1", form_error=None)


@router.post(
    NOTIFICATIONS_URL,
    status_code=303,
    response_class=RedirectResponse,
    summary="Save the rider's e-mail choices; back to the choices (303) with a confirmation",
    responses=problem_responses(Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, InvalidBody),
    openapi_extra={"requestBody": {"required": True, "content": {FORM_TYPE: {"schema": NOTIFICATIONS_FORM_SCHEMA}}}},
)
def save_notifications_form(
    request: Request,
    wanted: Annotated[dict[notifications.NotificationKind, bool], Depends(posted_notifications_form)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
    rider: PageRider,
) -> Response:
    if isinstance(rider, Unauthorized):
        return _sign_in_page(request, t, settings, rider)
    if not same_origin(request, settings.public_url):
        refused = Forbidden("post the e-mail choices from the gateway's own page")
        if not wants_html(request):
            raise refused
        content = notification_choices(session, rider)
        return _notifications_page(request, t, content, 403, saved=False, form_error=t("notifications.refused"))
    notifications.set_choices(session, rider.rider_ids, wanted, now)
    session.commit()
    return RedirectResponse(f"{NOTIFICATIONS_URL}?saved=1", status_code=303, headers={"Cache-Control": "no-store"})


@router.get(
    "/v1/rider/notifications",
    response_model=NotificationChoicesOut,
    summary="The signed-in rider's e-mail choices, and whether e-mails can reach them",
    responses=problem_responses(Unauthorized),
)
def rider_notifications_json(response: Response, principal: RiderDep, session: SessionDep) -> NotificationChoicesOut:
    response.headers.update(JSON_HEADERS)
    return notification_choices(session, principal)


@router.put(
    "/v1/rider/notifications",
    response_model=NotificationChoicesOut,
    summary="Set which e-mails the signed-in rider gets (every kind named: true on, false off)",
    responses=problem_responses(Unauthorized, InvalidRequest),
)
def put_rider_notifications(
    data: NotificationChoices, response: Response, principal: RiderDep, session: SessionDep, now: NowDep
) -> NotificationChoicesOut:
    """Applies to every rider row of the signed-in person (one per platform they ride for). An e-mail already
    queued for a kind turned off is not sent: the choice is read when it is sent."""
    wanted = {k: bool(getattr(data, k.value)) for k in notifications.NotificationKind}
    notifications.set_choices(session, principal.rider_ids, wanted, now)
    session.commit()
    response.headers.update(JSON_HEADERS)
    return notification_choices(session, principal)


# --- the rider asks a person to review a decision (issue 20) ----------------------------------------------

# A 2000-character comment, percent-encoded (a character of another script takes up to 12 bytes so).
REVIEW_FORM_MAX_BYTES = 24576
DecisionRef = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="The decision's id.")]


class ReviewIn(BaseModel):
    comment: str = Field(default="", max_length=decision_reviews.COMMENT_MAX, description="Why the rider asks.")


async def posted_review_form(request: Request) -> str:
    """The review form's comment (application/x-www-form-urlencoded), read within a few KiB."""
    fields = await read_form(request, "the review form", REVIEW_FORM_MAX_BYTES, 4)
    return (fields.get("comment") or [""])[0]


@router.post(
    "/rider/decisions/{decision_id}/review",
    status_code=303,
    response_class=RedirectResponse,
    summary="Ask a person to review a decision (the rider page's form); back to the page (303) with a confirmation",
    responses=problem_responses(
        Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, InvalidBody, InvalidPayload
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM_TYPE: {
                    "schema": {
                        "type": "object",
                        "properties": {"comment": {"type": "string", "maxLength": decision_reviews.COMMENT_MAX}},
                    }
                }
            },
        }
    },
)
def ask_review_form(
    request: Request,
    decision_id: DecisionRef,
    comment: Annotated[str, Depends(posted_review_form)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: PageLang,
    rider: PageRider,
) -> Response:
    """One request per decision: asking again is a 409 (the page says so to a browser)."""
    if isinstance(rider, Unauthorized):
        return _sign_in_page(request, t, settings, rider)
    browser = wants_html(request)
    if not same_origin(request, settings.public_url):
        if not browser:
            raise Forbidden("ask for a review from the gateway's own page")
        return _home_page(request, session, settings, now, t, rider, 403, decision_error=t("decision.refused"))
    try:
        decision_reviews.request(session, rider.rider_ids, decision_id, comment, now, settings.review_period_days)
    except (Conflict, InvalidPayload) as exc:
        session.rollback()
        if not browser:
            raise
        error = t("decision.already_asked") if isinstance(exc, Conflict) else t("decision.too_long")
        return _home_page(request, session, settings, now, t, rider, exc.status, decision_error=error)
    session.commit()
    return RedirectResponse(
        f"{RIDER_HOME}?asked=1#decision-{decision_id}", status_code=303, headers={"Cache-Control": "no-store"}
    )


@router.post(
    "/v1/rider/decisions/{decision_id}/review",
    status_code=201,
    response_model=decisions.DecisionView,
    summary="Ask a person to review one of the signed-in rider's decisions, with a comment (once per decision)",
    responses=problem_responses(Unauthorized, NotFound, Conflict, InvalidRequest, InvalidPayload),
)
def ask_review_json(
    decision_id: DecisionRef,
    body: ReviewIn,
    response: Response,
    principal: RiderDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    t: Annotated[Translator, Depends(json_language)],
) -> decisions.DecisionView:
    """The answer is the decision with its review (due within the review period, two weeks by default)."""
    decision_reviews.request(session, principal.rider_ids, decision_id, body.comment, now, settings.review_period_days)
    session.commit()
    response.headers.update(JSON_HEADERS | {"Content-Language": t.lang})
    return decisions.one(session, principal.rider_ids, decision_id, t, now)


def install(app: FastAPI) -> None:
    """The rider's pages, their JSON and their stylesheet."""
    app.include_router(router)
    app.include_router(payslip_routes.router)
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="rider-static")
