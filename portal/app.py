"""The application factory."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.attachments import DecodeGate
from portal.auth.cookies import cookie_name
from portal.auth.loader import install_staff_loader
from portal.cli import register_cli
from portal.config import Config
from portal.database import Database
from portal.i18n.locale import LOCALE_OBJECTS, select_locale
from portal.i18n.templating import install_i18n
from portal.jobs.outbox import Dispatcher
from portal.keys.fingerprint import check_before_keys, check_or_record
from portal.keys.keyring import load_keyring
from portal.limits import DatabaseCounters, FallbackCounters, RedisCounters
from portal.paths import ROOT, TEMPLATES, TRANSLATIONS
from portal.store import FileStore
from portal.web import assets
from portal.web.access import install_access_control
from portal.web.access_log import configure_logging, install_request_logging
from portal.web.bad_input import install_input_guards
from portal.web.compression import install_compression
from portal.web.csrf import MaskedCSRFProtect
from portal.web.errors import install_error_pages
from portal.web.headers import CSP, install_security_headers, static_headers
from portal.web.page_cache import install_page_cache
from portal.web.reporter_pages import install_reporter_pages, is_reporter_request
from portal.web.request import InMemoryUploadRequest
from portal.web.services import EXTENSION, Services, close_request_session
from portal.web.sessions import LeanSessionInterface


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    configure_logging(config.log_level)
    app = Flask(
        "portal",
        root_path=str(ROOT / "portal"),
        template_folder=str(TEMPLATES),
        # /static/ is answered by WhiteNoise before Flask (portal/web/assets.py).
        static_folder=None,
        instance_path=str(config.instance_path),
    )
    app.request_class = InMemoryUploadRequest
    app.session_interface = LeanSessionInterface()
    built = assets.load()
    app.extensions["assets"] = built
    app.add_template_global(built.url, "asset_url")
    app.wsgi_app = assets.serve(  # type: ignore[method-assign]
        app.wsgi_app, built, static_headers(config)
    )
    if config.proxy_hops:
        # Only the last `proxy_hops` entries are believed: a client's own header is not.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops
        )
    app.config.update(
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        # 24 h CSRF window: a report with photos sent over 2G or Tor can take an hour to write.
        WTF_CSRF_TIME_LIMIT=24 * 3600,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=config.behind_tls,
        # `__Host-` behind TLS, like the staff cookies (portal/auth/cookies.py).
        SESSION_COOKIE_NAME=cookie_name("cw_csrf", config),
        BABEL_DEFAULT_LOCALE=config.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        # Twice the report limit plus room for the form: bodies a little over the report limit
        # still reach the view, which names the limit and keeps what was typed; anything larger
        # is refused before it is read into memory (uploads are held in memory, never on disk).
        MAX_CONTENT_LENGTH=2 * config.attachments.max_report_bytes + 2 * 1024 * 1024,
        PORTAL_CONFIG=config,
    )

    database = Database(config.database_url)
    check_before_keys(config, database)
    keyring = load_keyring(config)
    check_or_record(database, keyring.fingerprint)
    redis = Redis.from_url(config.redis_url) if config.redis_url else None
    app.extensions[EXTENSION] = Services(
        config=config,
        database=database,
        counters=FallbackCounters(RedisCounters(redis), DatabaseCounters(database.sessions))
        if redis is not None
        else DatabaseCounters(database.sessions),
        keyring=keyring,
        store=FileStore(config.blob_path),
        dispatcher=Dispatcher(database, redis),
        decoding=DecodeGate(config.decode_concurrency),
    )
    app.teardown_appcontext(close_request_session)

    # A parsed Locale per language, so Flask-Babel does not parse the code on every request.
    Babel(
        app,
        locale_selector=lambda: LOCALE_OBJECTS[select_locale(request, config.default_locale)],
    )
    install_staff_loader(app)
    # Access is decided before CSRF is checked: who may not use an endpoint learns nothing more
    # than that, whatever they send.
    install_access_control(app)
    # Before CSRF: Flask-WTF's check fails with a 500 on a nameless multipart part.
    install_input_guards(app)
    csrf = MaskedCSRFProtect(app)
    install_i18n(app, remember_choice=lambda: not is_reporter_request())
    install_security_headers(app, config)
    install_reporter_pages(app, config, CSP)
    install_compression(app)
    install_request_logging(app)
    install_error_pages(app)
    app.context_processor(lambda: {"demo_mode": config.demo_mode})
    _register_blueprints(app, config, csrf)
    # Last: its before_request may answer at once, and its after_request must see the page
    # before it is compressed (after_request functions run in reverse order).
    install_page_cache(app)
    register_cli(app)
    return app


def _register_blueprints(app: Flask, config: Config, csrf: MaskedCSRFProtect) -> None:
    from portal.admin.views import make_blueprint as admin
    from portal.api.views import make_blueprint as api
    from portal.assess.views import make_blueprint as assess
    from portal.auth.views import make_blueprint as auth
    from portal.desk.views import make_blueprint as desk
    from portal.health.views import make_blueprint as health
    from portal.home.views import make_blueprint as home
    from portal.ledger.views import make_blueprint as ledger
    from portal.public.views import make_blueprint as public
    from portal.reporter.views import make_blueprint as reporter

    for make in (home, auth, health, reporter, desk, admin, assess, ledger, public):
        app.register_blueprint(make(config))
    # CSRF guards requests a browser sends with the visitor's cookies. The JSON API trusts no
    # cookie (submissions are anonymous; staff endpoints will take tokens in a header), so a
    # forged cross-site request gains nothing it could not send itself.
    app.register_blueprint(csrf.exempt(api(config)))
    # The reporter's first forms work without any cookie: they are guarded by where the browser
    # says they come from instead (portal/web/reporter_pages.py). Leaving a follow-up session is
    # harmless to force, and the quick exit ends it with a bare beacon.
    for view in ("new_report", "followup", "leave"):
        csrf.exempt(f"portal.reporter.views.{view}")
