"""The live servers of each project, kept beside ``CloudState.servers`` (runtime only).

A listing asks for a project's servers on every page, and every boot's quota check too; a walk
over every server of the cloud each time made a 10,000-server listing pay for the whole fleet on
each of its pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from novamagic.localcloud.model.servers import Server

__all__ = ["ProjectIndex"]


class ProjectIndex:
    """Mixed into ServerBackend: ``servers`` by project, then id, in creation order."""

    servers: dict[str, Server]

    def project_servers(self, project_id: str | None) -> list[Server]:
        """The servers of a project (None: of every project), in creation order, as they are
        (unsettled). A listing asks for them on each of its pages, and every boot's quota check
        too: they come from an index by project (see :meth:`_by_project`), not a walk over
        every server of the cloud."""
        if project_id is None:
            return list(self.servers.values())
        return list(self._by_project().get(project_id, {}).values())

    def _by_project(self) -> dict[str, dict[str, Server]]:
        """Live servers by project, then id, in creation order. Runtime only (never stored):
        kept by the two places that add and remove live servers (:meth:`_add_server`, called
        by a boot, and :meth:`_remove_server`, by a deletion's end), and made afresh from
        ``servers`` when that is another dict than the one indexed (a reset, a restored state)
        or holds another count."""
        index = self.__dict__.get("_project_index")
        servers = self.servers
        if (
            index is None
            or index[0] is not servers
            or sum(map(len, index[1].values())) != len(servers)
        ):
            by_project: dict[str, dict[str, Server]] = {}
            for server in servers.values():
                by_project.setdefault(server.project_id, {})[server.id] = server
            index = self.__dict__["_project_index"] = (servers, by_project)
        return index[1]

    def _add_server(self, server: Server) -> None:
        by_project = self._by_project()
        self.servers[server.id] = server
        by_project.setdefault(server.project_id, {})[server.id] = server

    def _remove_server(self, server: Server) -> None:
        by_project = self._by_project()
        if self.servers.pop(server.id, None) is not None:
            by_project.get(server.project_id, {}).pop(server.id, None)
