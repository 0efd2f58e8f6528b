"""The local web page for people who never open a terminal (``assess serve``).

Built on Starlette with Jinja2 templates; every handler calls the same library functions as the
command line. See :func:`assessments.web.app.create_app` and ``docs/web.md``.
"""
