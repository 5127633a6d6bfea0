"""The ipywidgets face of the ``BootFormModel``: :class:`BootForm`
and ``boot_form()``. ipywidgets is imported when a view is built, not before.
"""

from __future__ import annotations

from functools import partial

from novamagic.widgets._base import (
    StaticRepr,
    errors_html,
    esc,
    field_error_html,
    flavor_label,
)
from novamagic.widgets.boot.model import (
    FIELDS,
    BootFormModel,
)

__all__ = ["BootForm", "boot_form"]


class BootForm(StaticRepr):
    """The ipywidgets face of a :class:`BootFormModel` (``form.model``); ``form.widget`` is the
    box to display. Child widgets are attributes (``form.name``, ``form.boot_button``, ...) so
    tests and users can drive it."""

    def __init__(self, model: BootFormModel):
        import ipywidgets as w

        self._w = w
        self.model = model
        self._syncing = False
        self._upload_note = ""
        wide = w.Layout(width="32em")
        self.name = w.Text(description="Name", value=model.name, layout=wide)
        self.image = w.Dropdown(
            description="Image",
            options=[("— pick an image —", None)]
            + [(str(i.get("name")), i["id"]) for i in model.images],
            value=(model.image_doc() or {}).get("id"),
            layout=wide,
        )
        self.flavor = w.Dropdown(
            description="Flavor",
            options=[("— pick a flavor —", None)]
            + [(flavor_label(f), f["id"]) for f in model.flavors],
            value=(model.flavor_doc() or {}).get("id"),
            layout=wide,
        )
        self.count = w.BoundedIntText(
            description="Count",
            value=model.count if isinstance(model.count, int) else 1,
            min=1,
            max=model.max_count,
            layout=w.Layout(width="14em"),
        )
        self.access_ipv4 = w.Text(description="Access IPv4", value=model.access_ipv4, layout=wide)
        self.access_ipv6 = w.Text(description="Access IPv6", value=model.access_ipv6, layout=wide)
        if model.key_names:  # pick one of the user's key pairs; free text when there are none
            self.key_name = w.Dropdown(
                description="Key name",
                options=[("— no key pair —", "")] + [(n, n) for n in model.key_names],
                value=model.key_name if model.key_name in model.key_names else "",
                layout=wide,
            )
        else:
            self.key_name = w.Text(
                description="Key name",
                value=model.key_name,
                placeholder="no key pairs yet: type a name",
                layout=wide,
            )
        # Networking (issue 16): empty pickers on a cloud without Neutron say so in their errors.
        self.networks = w.SelectMultiple(
            description="Networks",
            options=model.network_names,
            value=tuple(n for n in model.networks if n in model.network_names),
            rows=min(4, max(2, len(model.network_names))),
            layout=wide,
        )
        self.security_groups = w.SelectMultiple(
            description="Groups",
            options=model.group_names,
            value=tuple(g for g in model.security_groups if g in model.group_names),
            rows=min(4, max(2, len(model.group_names))),
            layout=wide,
        )
        self.floating_ip = w.Checkbox(
            description="Floating IP (once ACTIVE)", value=bool(model.floating_ip), indent=False
        )
        self.boot_volume_size = w.BoundedIntText(
            description="Boot volume",
            value=model.boot_volume_size if isinstance(model.boot_volume_size, int) else 0,
            min=0,
            max=16384,
            tooltip="GB: boot from a new volume made from the image (0: the image's own disk)",
            layout=w.Layout(width="14em"),
        )
        style = {"description_width": "7em"}
        for widget, css in (
            (self.name, "nm-boot-name"),
            (self.image, "nm-boot-image"),
            (self.flavor, "nm-boot-flavor"),
            (self.count, "nm-boot-count"),
            (self.access_ipv4, "nm-boot-ipv4"),
            (self.access_ipv6, "nm-boot-ipv6"),
            (self.key_name, "nm-boot-key"),
            (self.networks, "nm-boot-networks"),
            (self.security_groups, "nm-boot-groups"),
            (self.boot_volume_size, "nm-boot-volume"),
        ):
            widget.style = style
            widget.add_class(css)
        self.field_errors = {key: w.HTML() for key in FIELDS}

        self.metadata_box = w.VBox()
        self.add_metadata_button = w.Button(description="Add metadata", icon="plus")
        self.metadata_hint = w.HTML()
        self.files_box = w.VBox()
        self.add_file_button = w.Button(description="Add file", icon="plus")
        self.upload = w.FileUpload(description="Upload files", multiple=True)
        self.files_hint = w.HTML()

        self.boot_button = w.Button(description="Boot", button_style="primary", icon="rocket")
        self.boot_button.add_class("nm-boot-button")
        self.cancel_button = w.Button(description="Cancel", icon="stop", disabled=True)
        self.cancel_button.add_class("nm-boot-cancel")
        self.progress = w.IntProgress(min=0, max=100, value=0, description="Progress")
        self.progress.layout.visibility = "hidden"
        self.phase = w.HTML()
        self.status = w.HTML()
        self.status.add_class("nm-boot-status")
        self.error = w.HTML()
        self.error.add_class("nm-boot-error")
        self.result = w.HTML()
        self.result.add_class("nm-boot-result")

        def line(widget, key):
            return w.HBox([widget, self.field_errors[key]])

        self.widget = w.VBox(
            [
                w.HTML("<b>Boot servers</b>"),
                line(self.name, "name"),
                line(self.image, "image"),
                line(self.flavor, "flavor"),
                line(self.count, "count"),
                w.HBox(
                    [w.HTML("<b>Metadata</b>"), self.metadata_hint, self.field_errors["metadata"]]
                ),
                self.metadata_box,
                self.add_metadata_button,
                w.HBox([w.HTML("<b>Files</b>"), self.files_hint, self.field_errors["files"]]),
                self.files_box,
                w.HBox([self.add_file_button, self.upload]),
                line(self.access_ipv4, "access_ipv4"),
                line(self.access_ipv6, "access_ipv6"),
                line(self.key_name, "key_name"),
                line(self.networks, "networks"),
                line(self.security_groups, "security_groups"),
                line(self.floating_ip, "floating_ip"),
                line(self.boot_volume_size, "boot_volume_size"),
                w.HBox([self.boot_button, self.cancel_button, self.progress, self.phase]),
                self.error,
                self.status,
                self.result,
            ]
        )
        self.widget.add_class("novamagic-boot-form")

        for widget, key in (
            (self.name, "name"),
            (self.image, "image"),
            (self.flavor, "flavor"),
            (self.count, "count"),
            (self.access_ipv4, "access_ipv4"),
            (self.access_ipv6, "access_ipv6"),
            (self.key_name, "key_name"),
            (self.networks, "networks"),
            (self.security_groups, "security_groups"),
            (self.floating_ip, "floating_ip"),
            (self.boot_volume_size, "boot_volume_size"),
        ):
            widget.observe(partial(self._field_changed, key), names="value")
        self.add_metadata_button.on_click(lambda _b: self._add_metadata())
        self.add_file_button.on_click(lambda _b: self._add_file())
        self.upload.observe(self._uploaded, names="value")
        self.boot_button.on_click(lambda _b: self._boot())
        self.cancel_button.on_click(lambda _b: model.cancel())
        self._shown_metadata: list | None = None  # the rows the widgets show, to spot changes
        self._shown_files: list | None = None
        model.observe(self._model_changed)
        self.render()

    # --- widget -> model -----------------------------------------------------------------------

    def _field_changed(self, key, change) -> None:
        if self._syncing:
            return
        value = change["new"] if change["new"] is not None else ""
        if isinstance(value, tuple):  # a multiple selection
            value = list(value)
        setattr(self.model, key, value)
        self.render()

    def _add_metadata(self) -> None:
        if self.model.can_add_metadata:
            self.model.add_metadata()  # the observer redraws the rows
        self.render()

    def _add_file(self) -> None:
        if self.model.can_add_file:
            self.model.add_file()
        self.render()

    def _uploaded(self, change) -> None:
        uploads = change["new"] or ()
        refused = []
        for upload in uploads:
            if not self.model.can_add_file:
                refused.append(upload["name"])
                continue
            name = str(upload["name"])
            self.model.add_file("/root/" + name, bytes(upload["content"]), source=name)
        if uploads:
            self._syncing = True
            try:
                self.upload.value = ()
            finally:
                self._syncing = False
        self._upload_note = (
            f"not added (at most {self.model.max_files} files): {', '.join(refused)}"
            if refused
            else ""
        )
        self.render()

    def _rebuild_metadata(self) -> None:
        w = self._w
        rows = []
        for row in self.model.metadata:
            key = w.Text(value=row.key, placeholder="key", layout=w.Layout(width="12em"))
            value = w.Text(value=row.value, placeholder="value", layout=w.Layout(width="18em"))
            remove = w.Button(icon="trash", tooltip="remove", layout=w.Layout(width="3em"))
            key.observe(partial(self._row_changed, row, "key"), names="value")
            value.observe(partial(self._row_changed, row, "value"), names="value")
            remove.on_click(partial(self._remove_metadata, row))
            rows.append(w.HBox([key, value, remove]))
        self.metadata_box.children = rows
        self._shown_metadata = list(self.model.metadata)

    def _rebuild_files(self) -> None:
        w = self._w
        rows = []
        for row in self.model.files:
            path = w.Text(
                value=row.path, placeholder="/path/on/server", layout=w.Layout(width="14em")
            )
            path.observe(partial(self._row_changed, row, "path"), names="value")
            if isinstance(row.contents, str):
                contents = w.Textarea(
                    value=row.contents, placeholder="contents", layout=w.Layout(width="18em")
                )
                contents.observe(partial(self._row_changed, row, "contents"), names="value")
            else:
                contents = w.HTML(f"{esc(row.source)} ({len(row.data)} bytes, uploaded)")
            remove = w.Button(icon="trash", tooltip="remove", layout=w.Layout(width="3em"))
            remove.on_click(partial(self._remove_file, row))
            rows.append(w.HBox([path, contents, remove]))
        self.files_box.children = rows
        self._shown_files = list(self.model.files)

    def _row_changed(self, row, attribute, change) -> None:
        setattr(row, attribute, change["new"])
        self.render()

    def _remove_metadata(self, row, _button=None) -> None:
        self.model.remove_metadata(row)
        self.render()

    def _remove_file(self, row, _button=None) -> None:
        self._upload_note = ""
        self.model.remove_file(row)
        self.render()

    def _boot(self) -> None:
        if self.model.busy or not self.model.valid:
            self.render()
            return
        self.model.submit()

    # --- model -> widgets ----------------------------------------------------------------------

    def _model_changed(self, _model) -> None:
        self.render()

    def _sync_fields(self) -> None:
        """Show what the model holds when code changed it (``form.model.set(...)``)."""
        model = self.model
        wanted = {
            self.name: model.name,
            self.image: (model.image_doc() or {}).get("id"),
            self.flavor: (model.flavor_doc() or {}).get("id"),
            self.access_ipv4: model.access_ipv4,
            self.access_ipv6: model.access_ipv6,
            self.key_name: model.key_name,
            self.networks: tuple(n for n in model.networks if n in model.network_names),
            self.security_groups: tuple(g for g in model.security_groups if g in model.group_names),
            self.floating_ip: bool(model.floating_ip),
        }
        if isinstance(model.boot_volume_size, int) and model.boot_volume_size >= 0:
            wanted[self.boot_volume_size] = model.boot_volume_size
        if model.key_names and model.key_name not in model.key_names:
            wanted[self.key_name] = ""  # unknown to the picker: its error says so beside it
        if isinstance(model.count, int) and self.count.min <= model.count <= self.count.max:
            wanted[self.count] = model.count
        self._syncing = True
        try:
            for widget, value in wanted.items():
                if widget.value != value:
                    widget.value = value
        finally:
            self._syncing = False
        # Rows are compared by identity: the widgets are rebuilt only when rows came or went.
        if self._shown_metadata is None or self._shown_metadata != model.metadata:
            self._rebuild_metadata()
        if self._shown_files is None or self._shown_files != model.files:
            self._rebuild_files()

    def render(self) -> None:
        """Bring every widget in line with the model (from any thread)."""
        model = self.model
        self._sync_fields()
        problems = model.errors()
        for key, label in self.field_errors.items():
            label.value = field_error_html(problems.get(key))
        busy = model.busy
        self.boot_button.disabled = busy or bool(problems)
        self.cancel_button.disabled = not busy or model.cancelled
        self.add_metadata_button.disabled = busy or not model.can_add_metadata
        self.add_file_button.disabled = busy or not model.can_add_file
        self.upload.disabled = busy or not model.can_add_file
        self.metadata_hint.value = _cap_hint(len(model.metadata), model.max_metadata)
        self.files_hint.value = _cap_hint(
            len(model.files), model.max_files, model.max_file_size
        ) + errors_html(self._upload_note)
        if model.rows:
            self.progress.layout.visibility = "visible"
            self.progress.value = model.progress
            self.progress.bar_style = (
                "danger"
                if model.error and model.phase == "failed"
                else "success"
                if model.phase == "done" and not model.error
                else ""
            )
        phase = "stopping…" if busy and model.cancelled else model.phase
        self.phase.value = "" if phase == "idle" else f"<i>{esc(phase)}</i>"
        self.status.value = model.rows_html()
        self.error.value = errors_html(model.error)
        self.result.value = model.result_html()


def _cap_hint(used: int, cap: int | None, size: int | None = None) -> str:
    text = f"{used} of {cap} allowed" if cap is not None else f"{used}"
    if size is not None:
        text += f", at most {size} bytes each"
    return f'<span style="color:#616161;font-size:90%">&nbsp;({esc(text)})</span>'


def boot_form(cloud=None, *, wait: bool = True, timeout: float = 600.0, **fields) -> BootForm:
    """A boot form over ``cloud`` (default: the ``%nova login`` cloud, else ``connect()``).

    ``fields`` pre-fill it: name, image, flavor (names or ids), count, metadata (dict), files
    ({path: contents}), access_ipv4, access_ipv6, key_name, networks and security_groups (names),
    floating_ip (True: one per server once ACTIVE), boot_volume_size (GB: boot from a new
    volume made from the image). ``wait=False`` stops after the boot
    requests instead of waiting for ACTIVE.
    """
    model = BootFormModel(cloud, wait=wait, timeout=timeout, **fields)
    return BootForm(model)
