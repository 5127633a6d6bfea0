"""The book's compute API: Nova v1.1 at ``/v1.1/{tenant}/...``, as "Programming OpenStack Compute
API" (2012) prints it.

It is a second face on the same model as ``/v2.1``: a server booted on one root is visible on the
other. What differs is the shape:

* servers, images and flavors carry integer ``id``s (servers numbered 1, 2, 3 ... within the
  tenant; images by their cloud-wide number; flavors "1".."5"), servers also their ``uuid``;
* ``links`` are ``self`` (``<base>/v1.1/<tenant>/servers/N``) and ``bookmark``
  (``<base>/<tenant>/servers/N``); a server's ``image`` and ``flavor`` are refs with string ids
  and a bookmark link;
* addresses are ``{"public": [...], "private": [...]}`` of ``{"version", "addr"}``, also under
  ``/ips/{network}`` (``{"addresses": {network: [...]}}``, as the book prints it);
* every metadata reply, whole or one item, is ``{"metadata": {...}}``;
* faults use the book's words: "Server name is an empty string", "Cannot find requested image
  <ref>: Image <n> could not be found.", "Invalid flavorRef provided.", and itemNotFound "The
  resource could not be found."; going over a quota is 413 ``overLimit``, as Nova answered then.

It accepts what the book shows working, and only on this root (``/v2.1`` stays strict): JSON
whatever the Content-Type says (13 of the book's curl commands send it labelled as a form), a
personality entry with an empty path and empty contents (ignored), full URLs as imageRef and
flavorRef (also in resize), ``{"confirmResize": null}``, item PUTs as ``{"metadata": {k: v}}``
(or ``{"meta": ...}``), and the book's seven-group ``accessIPv6`` ``fe80:0:0:0:0:c0a8:6402``,
read as the address with its run of zero groups one group longer (``fe80::c0a8:6402``, the
address the book's ``/ips`` shows).
"""

from __future__ import annotations

from novamagic.localcloud.legacy import catalogue, servers
from novamagic.localcloud.legacy.face import repair_ipv6

__all__ = ["rules", "repair_ipv6"]


def rules() -> list:
    return [*catalogue.version_rules(), *servers.rules(), *catalogue.rules()]
