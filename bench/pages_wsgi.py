"""What bench/pages.py serves: the portal, and a bare Flask hello-world under /hello/.

Both in one gunicorn, so the baseline runs with the same workers, threads and settings.
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from wsgi import app as portal

hello = Flask("hello")


@hello.get("/")
def hello_world() -> str:
    return "Hello, World!"


app = DispatcherMiddleware(portal.wsgi_app, {"/hello": hello})
