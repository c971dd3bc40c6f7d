"""The rider's view: server-rendered pages (Jinja2) and their JSON twin, in French, Dutch and English."""
