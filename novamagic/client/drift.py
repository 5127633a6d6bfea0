"""Drift: how a server differs from the spec it was booted from, and the changes that close it.

``%%nova_boot`` re-run on servers that exist asks :meth:`DriftMixin.drift` for a plan (GETs
only: nothing changes) and, when told to apply it, :meth:`DriftMixin.apply_drift` performs each
change in turn, saying each one before it runs, like Terraform's plan and apply:

* flavor differs -> ``resize`` and confirm, waited for (first: a new image may need its disk);
* image or key pair differ -> ``rebuild`` (the key at microversion 2.54; a rebuild keeps the
  server's id, name, addresses and flavor);
* metadata keys of the spec differ -> ``metadata update`` (merges; keys the spec does not name,
  such as novamagic's own marker, stay);
* security groups differ -> ``add group`` / ``remove group`` on the server's ports.
"""

from __future__ import annotations

from collections.abc import Mapping

from novamagic.client.boot import MARKER_KEY

__all__ = ["DriftMixin"]


class DriftMixin:
    """Compare an existing server with a boot spec; apply the difference on request."""

    def drift(
        self,
        server,
        *,
        image=None,
        flavor=None,
        metadata: Mapping | None = None,
        key_name: str | None = None,
        security_groups=None,
        **_other,
    ) -> list[dict]:
        """The changes that would make ``server`` match the spec (empty: none).

        Each change is ``{"server", "field", "have", "want", "action"}``; only fields the spec
        gives are compared. Other boot options (files, user_data, networks, ...) are not: they
        only matter at boot time.
        """
        current = server if isinstance(server, Mapping) and "flavor" in server else None
        current = current or self.server(server)
        name = current.get("name")
        changes = []

        def change(field, have, want, action):
            changes.append(
                {"server": name, "field": field, "have": have, "want": want, "action": action}
            )

        rebuild = False
        if image is not None:
            wanted = self.image(image)
            have = current.get("image") or {}
            if str(have.get("id")) != str(wanted.get("id")):
                change("image", have.get("name") or have.get("id"), wanted.get("name"), "rebuild")
                rebuild = True
        if key_name is not None and current.get("key_name") != key_name:
            change("key_name", current.get("key_name"), key_name, "rebuild")
            rebuild = True
        if flavor is not None:
            wanted = self.flavor(flavor)
            have = current.get("flavor") or {}
            same = (
                str(have.get("id")) == str(wanted.get("id"))
                if have.get("id") is not None
                else have.get("name") == wanted.get("name")
            )
            if not same:
                change("flavor", have.get("name"), wanted.get("name"), "resize")
        if metadata:
            have = {k: v for k, v in (current.get("metadata") or {}).items() if k != MARKER_KEY}
            differ = {k: str(v) for k, v in metadata.items() if have.get(k) != str(v)}
            if differ:
                change("metadata", {k: have.get(k) for k in differ}, differ, "metadata update")
        if security_groups is not None:
            have = sorted({g.get("name") for g in current.get("security_groups") or ()} - {None})
            want = sorted(set(security_groups))
            if have != want:
                change("security_groups", have, want, "set groups")
        for entry in changes:  # one rebuild does both image and key
            entry["rebuild_with"] = rebuild
        return changes

    def apply_drift(self, server, changes: list[dict], *, timeout: float = 600.0, announce=None):
        """Perform ``changes`` (from :meth:`drift`) on ``server``, each waited for;
        ``announce(text)`` is told each step before it runs. Returns the server as it ends."""
        say = announce or (lambda _text: None)
        server_id = self._server_id(server)
        by_field = {c["field"]: c for c in changes}
        name = changes[0]["server"] if changes else server_id
        if "flavor" in by_field:
            flavor = by_field["flavor"]["want"]
            say(f"resizing {name} to {flavor} (and confirming)")
            self.resize(server_id, flavor, finish="confirm", timeout=timeout)
        if "image" in by_field or "key_name" in by_field:
            image = by_field.get("image", {}).get("want") or (self.server(server_id)["image"]["id"])
            key = by_field.get("key_name", {}).get("want")
            say(f"rebuilding {name} from {image}" + (f" with key {key}" if key else ""))
            self.rebuild(server_id, image, key_name=key)
            self.wait(server_id, timeout=timeout)
        if "metadata" in by_field:
            wanted = by_field["metadata"]["want"]
            say(f"updating {name}'s metadata: {', '.join(f'{k}={v}' for k, v in wanted.items())}")
            self.server_metadata.update(server_id, wanted)
        if "security_groups" in by_field:
            entry = by_field["security_groups"]
            for group in sorted(set(entry["want"]) - set(entry["have"])):
                say(f"adding security group {group} to {name}")
                self.add_security_group(server_id, group)
            for group in sorted(set(entry["have"]) - set(entry["want"])):
                say(f"removing security group {group} from {name}")
                self.remove_security_group(server_id, group)
        return self.server(server_id)
