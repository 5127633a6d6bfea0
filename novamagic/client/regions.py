"""Regions: which the catalog offers compute in, which this session uses, and a session on
another region of the same cloud (same account and settings, its own connection)."""

from __future__ import annotations

import dataclasses


class RegionsMixin:
    """regions(), region, in_region()."""

    def regions(self) -> list[str]:
        """The regions the service catalog lists a compute endpoint in (this interface), in
        catalog order."""
        catalog = self._http.access().service_catalog
        found = catalog.get_endpoints(service_type="compute", interface=self.config.interface)
        names: list[str] = []
        for endpoint in found.get("compute", ()):
            name = endpoint.get("region_id") or endpoint.get("region")
            if name and name not in names:
                names.append(name)
        return names

    @property
    def region(self) -> str | None:
        """The region this session's compute endpoint is in (configured, else the catalog's
        region of the endpoint in use; None when the catalog does not say)."""
        if self.config.region_name:
            return self.config.region_name
        catalog = self._http.access().service_catalog
        found = catalog.get_endpoints(service_type="compute", interface=self.config.interface)
        for endpoint in found.get("compute", ()):
            if endpoint.get("url", "").rstrip("/") == self.compute_url:
                return endpoint.get("region_id") or endpoint.get("region")
        return None

    def in_region(self, region: str):
        """A new session on ``region`` of this cloud (the same credentials and settings); close
        it when done. This session itself when it already is there."""
        if region == self.region:
            return self
        config = dataclasses.replace(self.config, region_name=region)
        return type(self)(
            config,
            retries=self._http.retries,
            workers=self.workers,
            sleep=self._sleep,
            monotonic=self._monotonic,
            retry_deadline=self._http.retry_deadline,
        )
