"""The web console: server-rendered pages (Jinja2 templates, one stylesheet, one small script,
no build step) inside the API's FastAPI app; ``officeflow.web.app.install`` adds them. See
docs/web.md."""
