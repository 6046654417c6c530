"""The plan's wave mirrored in MGN's own Waves and Applications."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields
from links.mgn import MgnSourceServersLink, MgnWaveLink

from operators.mgn.wave_base import MgnWaveOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class MgnSyncWaveOperator(MgnWaveOperator):
    """
    Mirror a plan wave in MGN's own Waves and Applications, by name: the wave, one application holding the
    wave's servers (MGN associates servers with applications, and applications with waves). Creates what is
    missing, moves servers from another application, and changes nothing when MGN already matches.
    Returns ``{"wave_id": ..., "application_id": ...}``.

    :param wave_name: the MGN wave name (the plan's wave name).
    :param application_name: defaults to the wave name.
    """

    template_fields: Sequence[str] = aws_template_fields("source_server_ids", "wave_name", "application_name")
    operator_extra_links: ClassVar[tuple] = (MgnSourceServersLink(), MgnWaveLink())

    def __init__(
        self,
        *,
        wave_name: str,
        application_name: str | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wave_name = wave_name
        self.application_name = application_name
        self.description = description

    def execute(self, context: Context) -> dict[str, str]:
        servers = self.describe_wave()
        wave_id = self._wave_id()
        app_id = self._application_id(wave_id)
        moves: dict[str, list[str]] = {}
        for sid, server in servers.items():
            if server.get("applicationID") != app_id:
                moves.setdefault(server.get("applicationID") or "", []).append(sid)
        for old_app, sids in moves.items():
            if old_app:
                self.hook.disassociate_source_servers(old_app, sids)
        if to_add := [sid for sids in moves.values() for sid in sids]:
            self.hook.associate_source_servers(app_id, to_add)
        self.log.info("MGN wave %s / application %s: added %s.", wave_id, app_id, to_add)
        self.persist_links(context, wave_id=wave_id)
        return {"wave_id": wave_id, "application_id": app_id}

    def _wave_id(self) -> str:
        waves = [w for w in self.hook.list_waves(is_archived=False) if w["name"] == self.wave_name]
        if waves:
            return waves[0]["waveID"]
        wave = self.hook.create_wave(self.wave_name, description=self.description)
        self.log.info("Created MGN wave %s (%s).", self.wave_name, wave["waveID"])
        return wave["waveID"]

    def _application_id(self, wave_id: str) -> str:
        name = self.application_name or self.wave_name
        apps = [a for a in self.hook.list_applications(is_archived=False) if a["name"] == name]
        if apps:
            app = apps[0]
        else:
            app = self.hook.create_application(name, description=self.description)
            self.log.info("Created MGN application %s (%s).", name, app["applicationID"])
        if app.get("waveID") != wave_id:
            if app.get("waveID"):
                self.hook.disassociate_applications(app["waveID"], [app["applicationID"]])
            self.hook.associate_applications(wave_id, [app["applicationID"]])
        return app["applicationID"]
