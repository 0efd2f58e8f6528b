"""``assess serve``: start the local page on the first free port and open the browser."""

from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser

LOOPBACK_WARNING = (
    "warning: the page has no login. Binding {host} lets other computers on this network reach "
    "it and the files uploaded to it; use it only on a network you trust."
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str, start: int, tries: int = 50) -> int:
    """``start`` if nothing listens there, else the next free one."""
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port between {start} and {start + tries - 1}")


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    open_browser: bool = True,
    store: str | None = None,
    keep_days: float | None = 30.0,
    accounts: bool = False,
    public_url: str | None = None,
    echo: object = print,
) -> None:
    """Run until Ctrl-C. Workspaces are kept between visits for ``keep_days`` days in the
    user's data folder (None or 0: a temporary folder, deleted when the page stops)."""
    import uvicorn

    from .app import create_app

    port = free_port(host, port)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    keep = keep_days if keep_days else None
    app = create_app(host=host, port=port, store=store, keep_days=keep, accounts=accounts,
                     public_url=public_url)  # fmt: skip
    if not is_loopback(host) and not accounts:
        echo(LOOPBACK_WARNING.format(host=host))  # type: ignore[operator]
    echo(f"recovery-assessments is running at {url} (Ctrl-C to stop)")  # type: ignore[operator]
    if accounts:
        echo(  # type: ignore[operator]
            "network mode: people sign in" + (f"; opened as {public_url}" if public_url else "")
        )
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn stops cleanly on Ctrl-C, then re-raises it
        pass
    finally:
        from .limits import stop_pool

        stop_pool()  # the parsing and statistics workers end with the page
        app.state.workspaces.close()
    if keep is None:
        echo("stopped; the uploaded files were deleted")  # type: ignore[operator]
    else:
        echo(  # type: ignore[operator]
            f"stopped; your assessments are kept in {app.state.workspaces.root} for "
            f"{keep:g} days after their last change (delete them on the start page)"
        )
