"""`orchestrator open`: the app's URL (as `heroku open` and `apppack open` do)."""

from __future__ import annotations

import typer

from orchestrator.cli.output import JsonOption, app_key, console, emit, fail, plain


def open_app(
    app_name: str = typer.Option(..., "-a", "--app", metavar="APP", callback=app_key, help="App name."),
    browser: bool = typer.Option(False, "--browser", help="Also open the URL in the default web browser."),
    as_json: bool = JsonOption,
) -> None:
    """Print the app's URL (its web process behind the load balancer, or the local router)."""
    from orchestrator.adapters import operator as operations
    from orchestrator.cli.urls import router_port, url_of

    operations.app_settings(app_name)  # an unknown app says so
    url = url_of(app_name, router_port())
    if url is None:
        fail(f"{app_name} has no URL yet: it is served once a build with a web process is deployed", 1)
    if browser:
        import webbrowser

        if not webbrowser.open(url):
            fail(f"no web browser could be started; the URL is {url}", 1)
    emit({"app": app_name, "url": url}, as_json, lambda d: console.print(plain(d["url"])))
