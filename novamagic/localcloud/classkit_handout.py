"""The class kit's printable handout: one card per learner, one self-contained HTML file.

No external asset (fonts, styles, scripts, images): it prints the same offline and leaks no
visit anywhere. Print CSS keeps each card whole on a page. Every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape

__all__ = ["handout_html"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem;
       color: #111; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.card { border: 1px dashed #555; border-radius: 6px; padding: 0.9rem 1.1rem; width: 30rem;
        box-sizing: border-box; break-inside: avoid; page-break-inside: avoid; }
.card h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
.card table { border-collapse: collapse; margin-bottom: 0.6rem; }
.card th { text-align: left; padding: 0.1rem 0.8rem 0.1rem 0; font-weight: 600; }
.card td { padding: 0.1rem 0; }
code, .secret { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.secret { font-size: 1.1rem; letter-spacing: 0.05em; }
.card ol { margin: 0.3rem 0 0; padding-left: 1.2rem; }
.card li { margin-bottom: 0.35rem; }
pre { margin: 0.2rem 0; white-space: pre-wrap; }
@media print {
  body { margin: 0; }
  h1 { display: none; }
  .cards { display: block; }
  .card { width: auto; margin: 0 0 1.2rem; break-inside: avoid; page-break-inside: avoid; }
}
"""


def _card(learner, auth_url: str, cloud_name: str) -> str:
    name, project = escape(learner.name), escape(learner.project)
    url = escape(auth_url)
    cloud = escape(cloud_name)
    return f"""<section class="card">
<h2>{name}</h2>
<table>
<tr><th>User</th><td><code>{name}</code></td></tr>
<tr><th>Project</th><td><code>{project}</code></td></tr>
<tr><th>Password</th><td><span class="secret">{escape(learner.password)}</span></td></tr>
<tr><th>Auth URL</th><td><code>{url}</code></td></tr>
</table>
<strong>Log in from a notebook, either way:</strong>
<ol>
<li>With the file <code>learners/{name}/clouds.yaml</code> from your instructor: save it as
<code>~/.config/openstack/clouds.yaml</code> (or beside your notebook), then
<pre>%load_ext novamagic
%nova login {cloud}</pre></li>
<li>By hand (the password is asked for; type it from this card):
<pre>%load_ext novamagic
%nova login --auth-url {url} --user {name} --project {project}</pre></li>
</ol>
</section>"""


def handout_html(learners, auth_url: str, cloud_name: str) -> str:
    """The whole handout: a title for the screen and one card per learner."""
    cards = "\n".join(_card(learner, auth_url, cloud_name) for learner in learners)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Classroom cloud: logins</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Classroom cloud: {len(learners)} logins (cut along the dashed lines)</h1>
<div class="cards">
{cards}
</div>
</body>
</html>
"""
